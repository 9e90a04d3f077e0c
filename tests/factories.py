import factory
from django.utils import timezone

from accounts.models import Area, Role, Station, User


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station
        django_get_or_create = ["code"]

    name = factory.Sequence(lambda n: f"站{n}")
    code = factory.Sequence(lambda n: f"S{n:03d}")


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    station = factory.SubFactory(StationFactory)
    name = factory.Sequence(lambda n: f"片区{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda o: o.username)
    role = Role.COURIER
    area = factory.LazyAttribute(
        lambda o: AreaFactory() if o.role in ("courier", "area_marketer", "area_manager") else None
    )
    station = factory.LazyAttribute(lambda o: o.area.station if o.area else None)
    date_joined = factory.LazyFunction(
        lambda: timezone.localdate().replace(year=timezone.localdate().year - 1)
    )
    password = factory.django.Password("pass-1234-lantou")
