"""Thin views for Block by Block: parse input, call a service or selector, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.media import serve
from cms.requestids import parse_id
from cms.selectors import person_named

from . import live as live_session
from . import selectors, services
from .forms import CoordinatesForm, MemberForm, ProposalForm, SessionForm, UploadBuildForm
from .models import TaskState
from .services import CoDesignError

RUNNING = {TaskState.QUEUED, TaskState.RUNNING}


def _session_or_404(session_id):
    session = selectors.session_detail(session_id)
    if session is None:
        raise Http404
    return session


def _managed(request, session_id):
    session = _session_or_404(session_id)
    if not selectors.can_manage(request.user, session):
        raise PermissionDenied
    return session


def _visible_or_none(request, session_id):
    session = selectors.session_detail(session_id)
    if session is None or not (selectors.can_manage(request.user, session)
                               or selectors.is_member(request.user, session)):
        return None
    return session


def _visible(request, session_id):
    session = _visible_or_none(request, session_id)
    if session is None:
        raise Http404  # least visibility: others do not learn the session exists
    return session


def _not_on_a_team(request):
    """What a signed-in person who is not on any team of this session sees: what Block by Block is and
    how to join. The same page for a session that does not exist, so it reveals nothing."""
    return render(request, "minecraft/not_on_team.html", {
        "sessions": selectors.sessions_for(request.user)[:5]})


@login_required
def session_list(request):
    return render(request, "minecraft/session_list.html", {
        "sessions": selectors.sessions_for(request.user),
        "can_run": selectors.can_run_sessions(request.user),
    })


@login_required
def session_create(request):
    if not selectors.can_run_sessions(request.user):
        raise PermissionDenied
    form = SessionForm(request.POST or None, user=request.user)
    wanted = parse_id(request.GET.get("labs_session"))
    if request.method == "GET" and wanted in form.labs_sessions:
        form.initial["labs_session"] = wanted  # from the center session's page
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.create_session(
                facilitator=request.user, title=data["title"], site=data["site"], team_names=data["team_names"],
                call=form.calls.get(data["call"]), labs_session=form.labs_sessions.get(data["labs_session"]),
                server_host=data["server_host"], server_port=data["server_port"], coordinates=data["coordinates"])
        except CoDesignError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Session created. Now make its world."))
            return redirect("minecraft:session", session_id=session.pk)
    return render(request, "minecraft/session_form.html", {"form": form})


@login_required
def session_detail(request, session_id):
    session = _visible_or_none(request, session_id)
    if session is None:
        return _not_on_a_team(request)
    if not selectors.can_manage(request.user, session):
        return redirect("minecraft:gallery", session_id=session.pk)
    recent = selectors.captures(session)
    working = session.world_state in RUNNING or any(c.state in RUNNING for c in recent)
    builds = selectors.latest_builds(session)
    teams = selectors.teams_with_members(session)
    return render(request, "minecraft/session_detail.html", {
        "session": session, "teams": [(t, builds.get(t.pk)) for t in teams], "captures": recent,
        "refresh": working, "upload_form": UploadBuildForm(), "member_form": MemberForm(),
        "labels": services.metric_labels(),
        "coordinates_form": CoordinatesForm(initial={
            "coordinates": session.coordinates, "spawn_x": session.spawn_x, "spawn_y": session.spawn_y,
            "spawn_z": session.spawn_z}),
        "world_link": request.build_absolute_uri(
            reverse("minecraft:download_world", args=[session.pk]) + "?key=" + selectors.world_key(session.pk)),
    })


@login_required
@require_POST
def generate_world(request, session_id):
    session = _managed(request, session_id)
    try:
        services.request_world(session=session)
        messages.success(request, _("Making the world. This page shows its progress."))
    except CoDesignError as exc:
        messages.error(request, exc.message)
    return redirect("minecraft:session", session_id=session.pk)


def download_world(request, session_id):
    """For members and facilitators; center PCs (install_world --url) use the signed link instead."""
    if request.GET.get("key") and selectors.world_key_valid(request.GET["key"], session_id):
        session = _session_or_404(session_id)
    elif request.user.is_authenticated:
        session = _visible(request, session_id)
    else:
        return redirect_to_login(request.get_full_path())
    if not session.world_zip or session.world_state != TaskState.DONE:
        raise Http404
    return serve(request, session.world_zip, download_name=f"sangkat-world-{session.pk}.zip", as_attachment=True)


# The pictures of a build, by the name in the URL (anything else is a 404).
PICTURES = {"plan": "plan", "iso": "iso", "before-after": "before_after"}


@login_required
def render_picture(request, session_id, build_id, picture):
    """A render of a team's build: for the people who can see the session, never at a public address."""
    session = _visible(request, session_id)
    field = PICTURES.get(picture)
    build = selectors.build_of(session, build_id)
    if field is None or build is None:
        raise Http404
    return serve(request, getattr(build, field))


@login_required
@require_POST
def capture(request, session_id):
    session = _managed(request, session_id)
    try:
        if request.POST.get("source") == "live":
            services.request_capture_from_snapshots(session=session, user=request.user)
        else:
            form = UploadBuildForm(request.POST, request.FILES)
            if not form.is_valid():
                raise CoDesignError(_("Choose the world zip to upload."))
            services.request_capture_from_upload(session=session, user=request.user, upload=form.cleaned_data["world"])
        messages.success(request, _("Importing the builds. This page shows the progress."))
    except CoDesignError as exc:
        messages.error(request, exc.message)
    return redirect("minecraft:session", session_id=session.pk)


@login_required
@require_POST
def add_member(request, session_id, team_id):
    session = _managed(request, session_id)
    team = get_object_or_404(session.teams, pk=team_id)
    form = MemberForm(request.POST)
    user = None
    problem = _("No account has this username or phone number.")
    if form.is_valid():
        match = person_named(form.cleaned_data["username"])
        user, problem = match.person, match.problem()
    if user is None:
        messages.error(request, problem)
    else:
        try:
            services.add_member(team=team, user=user, nickname=form.cleaned_data["nickname"])
            messages.success(request, _("Added to the team."))
        except CoDesignError as exc:
            messages.error(request, exc.message)
    return redirect("minecraft:session", session_id=session.pk)


@login_required
def gallery(request, session_id):
    session = _visible_or_none(request, session_id)
    if session is None:
        return _not_on_a_team(request)
    return render(request, "minecraft/gallery.html", {
        "session": session, "entries": selectors.gallery(session, request.user),
        "labels": services.metric_labels(), "can_manage": selectors.can_manage(request.user, session),
    })


@login_required
@require_POST
def vote(request, session_id, team_id):
    session = _visible(request, session_id)
    team = get_object_or_404(session.teams, pk=team_id)
    try:
        if request.POST.get("withdraw"):
            services.withdraw_vote(user=request.user, team=team)
        elif services.vote(user=request.user, team=team):
            messages.success(request, _("Thank you for your vote."))
    except CoDesignError as exc:
        messages.error(request, exc.message)
    return redirect("minecraft:gallery", session_id=session.pk)


@login_required
def proposal(request, session_id, team_id):
    session = _visible(request, session_id)
    team = get_object_or_404(session.teams, pk=team_id)
    form = ProposalForm(request.POST or None, initial={"title": team.proposal_title,
                                                       "description": team.proposal_description})
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_team_proposal(user=request.user, team=team, title=form.cleaned_data["title"],
                                          description=form.cleaned_data["description"])
        except CoDesignError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your build is now a proposal to the city."))
            return redirect("minecraft:gallery", session_id=session.pk)
    build = team.builds.order_by("-created_at").first()
    return render(request, "minecraft/proposal_form.html", {
        "session": session, "team": team, "form": form, "build": build,
        "nicknames": list(team.memberships.order_by("nickname").values_list("nickname", flat=True)),
    })


@login_required
@require_POST
def live(request, session_id):
    """Live-session actions; a game server that does not answer becomes a message on the page."""
    session = _managed(request, session_id)
    action = request.POST.get("action")
    try:
        if action == "stamp":
            count = live_session.stamp_site(session=session)
            messages.success(request, _("The site is built in the game (%(n)s blocks).") % {"n": count})
            messages.info(request, live_session.describe_coordinates(session))
        elif action == "coordinates":
            form = CoordinatesForm(request.POST)
            if not form.is_valid():
                raise CoDesignError(_("Check the coordinates: the spawn point is three whole numbers."))
            data = form.cleaned_data
            services.set_coordinates(session=session, coordinates=data["coordinates"],
                                     spawn=(data["spawn_x"], data["spawn_y"], data["spawn_z"]))
            messages.success(request, live_session.describe_coordinates(session))
        elif action == "snapshot":
            count = live_session.snapshot_teams(session=session)
            messages.success(request, _("Snapshot taken of %(n)s team plots.") % {"n": count})
        elif action == "pins":
            count = live_session.collect_pins(session=session)
            messages.success(request, _("%(n)s new pins from the game.") % {"n": count})
        elif action == "chat":
            live_session.post_prompt(session=session, text=request.POST.get("text", ""))
            messages.success(request, _("Posted to the game chat."))
        else:
            messages.error(request, _("Unknown action."))
    except CoDesignError as exc:
        messages.error(request, exc.message)
    return redirect("minecraft:session", session_id=session.pk)
