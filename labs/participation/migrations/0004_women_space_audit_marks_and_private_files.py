"""Mark audit entries written before the mark existed (moderation acts on, answers to and blocks
over women-space posts carry `space: women`: details only for designated moderators, see
cms.wagtail_hooks.audit_details_visible), and move proposal files to private random names."""

from django.db import migrations


def mark(apps, schema_editor):
    AuditEntry = apps.get_model("cms", "AuditEntry")
    Proposal = apps.get_model("participation", "Proposal")
    Comment = apps.get_model("participation", "Comment")
    women = {str(pk) for pk in Proposal.objects.filter(space="women").values_list("pk", flat=True)}
    women_comments = {str(pk) for pk in Comment.objects.filter(proposal__space="women")
                      .values_list("pk", flat=True)}
    if not women:
        return
    for entry in AuditEntry.objects.exclude(details__has_key="space").iterator():
        details = entry.details if isinstance(entry.details, dict) else {}
        about = str(details.get("proposal", ""))
        if (about in women
                or (entry.target_type == "participation.proposal" and entry.target_id in women)
                or (entry.target_type == "participation.comment" and entry.target_id in women_comments)):
            entry.details = {**details, "space": "women"}
            entry.save(update_fields=["details"])


def move_files(apps, schema_editor):
    """Proposal files were stored as participation/<proposal id>/<name>: now private and random."""
    from cms.media import move_rows_to_private

    move_rows_to_private(apps.get_model("participation", "ProposalFile"), "file", "participation")


class Migration(migrations.Migration):
    dependencies = [
        ("participation", "0003_moderation_dismiss"),
        ("cms", "0009_audit_trust_actions"),
    ]

    operations = [
        migrations.RunPython(mark, migrations.RunPython.noop),
        migrations.RunPython(move_files, migrations.RunPython.noop),
    ]
