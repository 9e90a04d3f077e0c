import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from pipeline.models import Client, ClientCompetitorVolume, ClientContact, Competitor, Lead
from pipeline.services.normalize import normalize_company_name, normalize_phone
from tests.factories import UserFactory


def phone_for(n: int) -> str:
    """A valid mainland mobile number, different for every n."""
    return f"139{n % 100_000_000:08d}"


class LeadFactory(factory.django.DjangoModelFactory):
    """A lead written straight to the table (for reading tests); services tests submit through the service."""

    class Meta:
        model = Lead

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
    collected_at = factory.LazyFunction(timezone.now)
    collected_on = factory.LazyAttribute(lambda o: o.collected_by.station.local_date(o.collected_at))
    station = factory.LazyAttribute(lambda o: o.collected_by.station)
    area = factory.LazyAttribute(lambda o: o.collected_by.area)
    created_by = factory.LazyAttribute(lambda o: o.collected_by)


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"客户{n}贸易有限公司")
    normalized_name = factory.LazyAttribute(lambda o: normalize_company_name(o.name))
    area = None
    station = factory.LazyAttribute(lambda o: o.area.station if o.area else None)


class ClientContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientContact

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
