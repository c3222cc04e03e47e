"""A small opinions setting on the test county: places, categories, units.

Units: 教育局 (organisation: branch_a1, so zhibu and dangwei are its staff), 卫健局 (branch_b1:
zhibu2's), 住建局 (no organisation: only the 工委 acts for it).
"""

from dataclasses import dataclass

import pytest

from dangjian.opinions.models import Category, Place, Unit, UnitKind


@dataclass
class Setting:
    county: object
    place: Place
    place2: Place
    roads: Category
    health: Category
    school: Category
    big: Category
    edu: Unit
    health_unit: Unit
    build: Unit


@pytest.fixture
def setting(county):
    place = Place.objects.create(name="列东社区", town="列东街道")
    place2 = Place.objects.create(name="富兴村", town="陈大镇", kind="village")
    infra = Category.objects.create(name="城乡建设")
    roads = Category.objects.create(name="道路维修", parent=infra)
    health = Category.objects.create(name="卫生健康")
    school = Category.objects.create(name="教育文体")
    big = Category.objects.create(name="征地拆迁", needs_coordination=True)
    edu = Unit.objects.create(name="区教育局", kind=UnitKind.DEPARTMENT, org=county.branch_a1)
    health_unit = Unit.objects.create(
        name="区卫健局", kind=UnitKind.DEPARTMENT, org=county.branch_b1
    )
    build = Unit.objects.create(name="区住建局", kind=UnitKind.DEPARTMENT)
    edu.categories.add(school)
    health_unit.categories.add(health)
    build.categories.add(infra)
    return Setting(county, place, place2, roads, health, school, big, edu, health_unit, build)
