"""Personal data in cmi5: each learner's registrations, the AU sessions launched in them and what each
AU reached. (What the AU saved is in the xAPI State resource: courses.xapi.privacy exports and erases it.)"""

from cms.privacy import register_collector, register_eraser
from courses.cmi5.models import Cmi5Course, Registration
from courses.cmi5.services import erase_registrations_of


@register_collector("cmi5", covers=["cmi5.Registration.user", "cmi5.Cmi5Course.uploaded_by"])
def collect_cmi5(user) -> dict:
    found = []
    for registration in (Registration.objects.filter(user=user).select_related("course")
                         .prefetch_related("aus", "sessions").order_by("pk")):
        found.append({
            "course": registration.course.title, "lesson_key": str(registration.lesson_key),
            "block_id": registration.block_id, "registration": str(registration.registration),
            "created_at": registration.created_at, "satisfied_at": registration.satisfied_at,
            "aus": [{"au": status.au_index, "completed_at": status.completed_at, "passed_at": status.passed_at,
                     "failed_at": status.failed_at, "satisfied_at": status.satisfied_at, "waived": status.waived}
                    for status in registration.aus.order_by("au_index")],
            "sessions": [{"au": session.au_index, "session_id": str(session.session_id),
                          "launched_at": session.launched_at, "terminated_at": session.terminated_at,
                          "abandoned_at": session.abandoned_at} for session in registration.sessions.all()],
        })
    uploaded = list(Cmi5Course.objects.filter(uploaded_by=user).order_by("pk").values("title", "uploaded_at"))
    return {"registrations": found, "courses_uploaded": uploaded}


@register_eraser("cmi5")
def erase_cmi5(user, *, on_commit) -> None:
    erase_registrations_of(user=user)
