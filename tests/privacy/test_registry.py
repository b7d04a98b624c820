"""Every user foreign key in Sangkat's own apps is read by a collector or excluded with a reason."""

from cms import privacy


def test_every_user_foreign_key_is_collected_or_excluded_with_a_reason():
    fields = set(privacy.user_foreign_keys())
    covered = privacy.covered_fields()
    forgotten = fields - covered - set(privacy.excluded())
    assert not forgotten, (
        f"Add these to a collector's covers= in <app>/privacy.py, or to its exclude() with a reason: {sorted(forgotten)}"
    )
    assert "participation.WomenSpaceMembership.user" in covered  # the walk found the real models


def test_the_lists_name_only_fields_that_exist_and_each_once():
    fields = set(privacy.user_foreign_keys())
    covered = privacy.covered_fields()
    assert not (covered - fields), "a collector covers a field that does not exist"
    assert not (set(privacy.excluded()) - fields), "EXCLUDED names a field that does not exist"
    assert not (covered & set(privacy.excluded())), "a field is both collected and excluded"
    assert all(reason.strip() for reason in privacy.excluded().values())


def test_a_new_app_can_register_its_own_collector(monkeypatch):
    monkeypatch.setattr(privacy, "_COLLECTORS", dict(privacy._COLLECTORS))

    @privacy.register_collector("zzz_extra", covers=["zzz.Thing.user"])
    def collect(user):
        return {"hello": user.pk}

    assert [c.name for c in privacy.collectors()][-1] == "zzz_extra"
    assert "zzz.Thing.user" in privacy.covered_fields()
