"""The demo organisation: one station, three areas, a dozen people across every role."""

from dataclasses import dataclass, field

from accounts.models import Area, Company, Role, Station, User

DEMO_PASSWORD = "lantou-demo"


@dataclass
class DemoOrg:
    stations: list = field(default_factory=list)
    areas: list = field(default_factory=list)
    people: list = field(default_factory=list)


SMALL_PEOPLE = [
    # username, display name, role, area index (None: station level)
    ("admin", "系统管理员", Role.ADMIN, None),
    ("exec", "总部 王总", Role.EXECUTIVE, None),
    ("master", "站长 李建国", Role.STATION_MASTER, None),
    ("kam", "大客户经理 陈静", Role.KEY_ACCOUNT_MANAGER, None),
    ("manager1", "片区经理 赵强", Role.AREA_MANAGER, 0),
    ("marketer1", "营销员 孙丽", Role.AREA_MARKETER, 0),
    ("courier1", "揽投员 周伟", Role.COURIER, 0),
    ("courier2", "揽投员 吴芳", Role.COURIER, 0),
    ("manager2", "片区经理 郑磊", Role.AREA_MANAGER, 1),
    ("marketer2", "营销员 冯敏", Role.AREA_MARKETER, 1),
    ("courier3", "揽投员 何军", Role.COURIER, 1),
    ("marketer3", "营销员 许婷", Role.AREA_MARKETER, 2),
    ("courier4", "揽投员 马超", Role.COURIER, 2),
]


def seed_small_org(*, today) -> DemoOrg:
    company, _ = Company.objects.get_or_create(name="揽投快递")
    station = Station.objects.create(company=company, name="浦东揽投站", code="PD01")
    areas = [
        Area.objects.create(station=station, name=name) for name in ("陆家嘴片区", "张江片区", "金桥片区")
    ]
    people = []
    joined = today.replace(day=1) if today.month > 1 else today
    for username, display, role, area_index in SMALL_PEOPLE:
        hq = role in (Role.ADMIN, Role.EXECUTIVE)
        user = User(
            username=username,
            display_name=display,
            role=role,
            station=None if hq else station,
            area=None if area_index is None else areas[area_index],
            date_joined=joined,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        people.append(user)
    return DemoOrg(stations=[station], areas=areas, people=people)
