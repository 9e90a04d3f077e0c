import datetime
import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from pipeline.models import Client, ClientCompetitorVolume, ClientContact, Competitor, Lead
from pipeline.models.clients import ContactRole, RelationshipStage
from pipeline.models.loop import Stage
from pipeline.services.normalize import normalize_company_name, normalize_phone
from quota.tallies import record_leads
from tests.factories import UserFactory


def phone_for(n: int) -> str:
    """A valid mainland mobile number, different for every n."""
    return f"139{n % 100_000_000:08d}"


class LeadFactory(factory.django.DjangoModelFactory):
    """A lead written straight to the table (for reading tests); services tests submit through the service.

    `day` (with `hour`, station time) sets when it was collected; without it, now."""

    class Meta:
        model = Lead

    class Params:
        day = None
        hour = 12

    company_name = factory.Sequence(lambda n: f"测试公司{n}有限公司")
    normalized_name = factory.LazyAttribute(lambda o: normalize_company_name(o.company_name))
    contact_name = "张三"
    contact_phone = factory.Sequence(lambda n: phone_for(n + 1000))
    phone_normalized = factory.LazyAttribute(lambda o: normalize_phone(o.contact_phone))
    address = "浦东新区世纪大道100号"
    industry = "贸易"
    inbound_monthly = 100
    outbound_monthly = 20
    collected_by = factory.SubFactory(UserFactory)
    collected_at = factory.LazyAttribute(
        lambda o: (
            datetime.datetime.combine(o.day, datetime.time(o.hour), tzinfo=o.collected_by.station.tz)
            if o.day
            else timezone.now()
        )
    )
    collected_on = factory.LazyAttribute(lambda o: o.collected_by.station.local_date(o.collected_at))
    station = factory.LazyAttribute(lambda o: o.collected_by.station)
    area = factory.LazyAttribute(lambda o: o.collected_by.area)
    created_by = factory.LazyAttribute(lambda o: o.collected_by)


def collect(person, day: datetime.date, n: int = 1, *, hour: int = 12, **fields) -> list[Lead]:
    """`n` leads of `person` on `day` at `hour` station time, counted into the daily tallies in one go as an
    import counts them."""
    leads = [LeadFactory(collected_by=person, day=day, hour=hour, **fields) for _ in range(n)]
    record_leads(leads)
    return leads


class ClientFactory(factory.django.DjangoModelFactory):
    """A client record; `signed=True` makes it a signed key account (in follow-up, stable cooperation, tier A)."""

    class Meta:
        model = Client

    class Params:
        signed = factory.Trait(
            stage=Stage.FOLLOW_UP, tier="A", relationship_stage=RelationshipStage.STABLE, industry="电商"
        )

    name = factory.Sequence(lambda n: f"客户{n}贸易有限公司")
    normalized_name = factory.LazyAttribute(lambda o: normalize_company_name(o.name))
    area = None
    owner = None
    station = factory.LazyAttribute(
        lambda o: o.area.station if o.area else (o.owner.station if o.owner else None)
    )
    tier = "B"


class ClientContactFactory(factory.django.DjangoModelFactory):
    """A client's contact; `surveyed=True` makes it the decision maker, reached by e-mail, with no phone."""

    class Meta:
        model = ClientContact

    class Params:
        surveyed = factory.Trait(
            name=factory.Sequence(lambda n: f"联系人{n}"),
            email=factory.Sequence(lambda n: f"contact{n}@example.com"),
            role=ContactRole.DECISION_MAKER,
            phone="",
            phone_normalized="",
        )

    client = factory.SubFactory(ClientFactory)
    name = "李四"
    phone = factory.Sequence(lambda n: phone_for(n + 5000))
    phone_normalized = factory.LazyAttribute(lambda o: normalize_phone(o.phone))


def competitor(short_name: str) -> Competitor:
    return Competitor.objects.get(short_name=short_name)


def volume(client, short_name: str, monthly: int, month=None) -> ClientCompetitorVolume:
    month = month or timezone.localdate().replace(day=1)
    return ClientCompetitorVolume.objects.create(
        client=client, competitor=competitor(short_name), month=month, monthly=monthly
    )


def image_upload(name: str = "card.jpg", fmt: str = "JPEG", size=(64, 40)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, fmt)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png"}.get(fmt, "application/octet-stream")
    return SimpleUploadedFile(name, buf.getvalue(), content_type=content_type)


def lead_data(**overrides) -> dict:
    data = {
        "company_name": "上海嘉禾贸易有限公司",
        "contact_name": "王经理",
        "contact_phone": "13812345678",
        "address": "浦东新区张江路1号",
        "industry": "服装批发",
        "source": "courier_route",
        "inbound_monthly": 300,
        "outbound_monthly": 50,
        "our_monthly": 10,
        "competitors": [{"competitor": "中通", "monthly": 200}],
        "needs": "希望下午四点后上门揽收",
    }
    data.update(overrides)
    return data
