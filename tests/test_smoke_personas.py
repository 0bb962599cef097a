from sessions_app.models import IntervisionGroup


def test_personas_sit_where_the_docstring_says(personas, group, other_group):
    assert set(group.memberships.values_list("resident__user__first_name", flat=True)) == {
        "Rosa", "Ruben"}
    assert list(other_group.memberships.values_list("resident__user__first_name", flat=True)) == [
        "Otto"]
    assert IntervisionGroup.objects.count() == 2
