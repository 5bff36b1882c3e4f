import pytest

from unions.models import Union


@pytest.mark.django_db
def test_cast_builds(cast):
    assert Union.objects.count() == 10
    assert cast.a.path == cast.d1.path + f"{cast.a.pk:08d}/"
