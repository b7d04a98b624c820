"""A learner's classes and cards are in her export, and go when her account is deleted."""

from cms import privacy
from labs.classes import services
from labs.classes.models import LoginCard, Membership


def test_export_and_deletion_of_a_learners_classes_and_cards(facilitator, center, staff):
    klass = services.create_class(by=facilitator, center=center, name="Evening class")
    learner = services.add_new_learner(by=facilitator, klass=klass, nickname="ស្រីពៅ", age_band="13-17",
                                       guardian_phone="012 345 678")
    services.issue_cards(by=facilitator, klass=klass)
    sections = dict(privacy.export_sections(learner))
    mine = sections["classes"]
    assert mine["classes"][0]["class"] == "Evening class"
    assert mine["classes"][0]["guardian_phone"] == "+85512345678"
    assert len(mine["login_cards"]) == 1 and "code_hash" not in mine["login_cards"][0]
    assert dict(privacy.export_sections(facilitator))["classes"]["classes_set_up"] == ["Evening class"]

    request = privacy.request_deletion(user=learner)
    privacy.fulfil_deletion(request_id=request.pk, by=staff)
    assert not Membership.objects.filter(learner=learner).exists()
    assert not LoginCard.objects.filter(learner=learner).exists()
