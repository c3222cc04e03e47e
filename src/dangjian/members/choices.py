"""Official code lists used on member records."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The 56 official ethnic group names, in the order of GB/T 3304.
ETHNICITIES: tuple[str, ...] = (
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
    "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
    "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
)  # fmt: skip
ETHNICITY_CHOICES = [(name, name) for name in ETHNICITIES]


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Education(models.TextChoices):
    """Education levels as the annual statistics count them."""

    POSTGRADUATE = "postgraduate", _("研究生")
    BACHELOR = "bachelor", _("大学本科")
    ASSOCIATE = "associate", _("大学专科")
    SECONDARY_VOCATIONAL = "secondary_vocational", _("中专")
    HIGH_SCHOOL = "high_school", _("高中、中技")
    JUNIOR_OR_BELOW = "junior_or_below", _("初中及以下")


COLLEGE_OR_ABOVE = frozenset({Education.POSTGRADUATE, Education.BACHELOR, Education.ASSOCIATE})


class Occupation(models.TextChoices):
    """The bulletin's eight occupation categories (RULES.md 6.4)."""

    WORKER = "worker", _("工人")
    FARMER = "farmer", _("农牧渔民")
    PROFESSIONAL = "professional", _("专业技术人员")
    MANAGER = "manager", _("企事业单位管理人员")
    OFFICIAL = "official", _("党政机关工作人员")
    STUDENT = "student", _("学生")
    OTHER = "other", _("其他职业人员")
    RETIRED = "retired", _("离退休人员")


class MemberCategory(models.TextChoices):
    FULL = "full", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")


class MemberStatus(models.TextChoices):
    NORMAL = "normal", _("正常")
    SUSPENDED = "suspended", _("停止党籍")
    LEFT = "left", _("出党")
    DECEASED = "deceased", _("死亡")
    # Left our tree by a transfer of organisational relations: the record stays, the roster and
    # every count no longer include them.
    TRANSFERRED_OUT = "transferred_out", _("已转出")
