from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.roles import MEMBER
from dangjian.members.choices import (
    ETHNICITY_CHOICES,
    Education,
    Gender,
    MemberCategory,
    MemberStatus,
    Occupation,
)

# The member fields that may be shown, exported and logged: masked forms only, never the
# ciphertexts or the blind index. Export and import-audit lists are built from this one list.
SHOWN_FIELDS = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number_masked",
    "education",
    "occupation",
    "phone_masked",
    "joined_on",
    "confirmed_on",
    "category",
)


class Member(models.Model):
    """党员. Never deleted: leaving, death and suspension are statuses with a date and reason.

    The ID number and phone are stored only encrypted (SM4-GCM) with an HMAC-SM3 blind index for the
    ID number; lists show the masked form kept beside it.
    """

    resource = MEMBER
    scope_path_field = "org_path"

    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices)
    ethnicity = models.CharField(_("民族"), max_length=16, choices=ETHNICITY_CHOICES, default="汉族")
    birth_date = models.DateField(_("出生日期"))
    id_number_enc = models.TextField(_("身份证号（密文）"), blank=True)
    id_number_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, blank=True)
    education = models.CharField(_("学历"), max_length=24, choices=Education.choices)
    occupation = models.CharField(_("职业"), max_length=16, choices=Occupation.choices)
    phone_enc = models.TextField(_("联系电话（密文）"), blank=True)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    joined_on = models.DateField(_("入党日期"))
    confirmed_on = models.DateField(_("转正日期"), null=True, blank=True)
    category = models.CharField(
        _("党员类别"), max_length=16, choices=MemberCategory.choices, default=MemberCategory.FULL
    )
    status = models.CharField(
        _("党籍状态"), max_length=16, choices=MemberStatus.choices, default=MemberStatus.NORMAL
    )
    status_date = models.DateField(_("状态变更日期"), null=True, blank=True)
    status_reason = models.CharField(_("状态变更原因"), max_length=500, blank=True)
    org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="members", verbose_name=_("所在党组织")
    )
    # The organisation's path, kept here so that a subtree's members are one indexed prefix scan.
    org_path = models.CharField(max_length=255, editable=False, db_index=False)
    stroke_key = models.CharField(max_length=128, editable=False)
    pinyin = models.CharField(max_length=200, editable=False, blank=True)
    pinyin_initials = models.CharField(max_length=30, editable=False, blank=True)
    user = models.OneToOneField(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="member"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        indexes = [
            models.Index(
                fields=["org_path", "stroke_key"],
                name="members_scope_stroke",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["stroke_key", "id"], name="members_stroke_id"),
            models.Index(fields=["pinyin_initials"], name="members_initials"),
            models.Index(fields=["org", "status"], name="members_org_status"),
            # The list's other orders (filtersets.ORDERINGS): the first page of a large subtree is
            # read in index order instead of sorting the subtree (bench/bench_member_list.py).
            models.Index(fields=["joined_on", "id"], name="members_joined_id"),
            models.Index(fields=["birth_date", "id"], name="members_birth_id"),
            models.Index(fields=["pinyin", "id"], name="members_pinyin_id"),
            # 预备党员 are the latest to join, so "正式党员 by joining date, latest first" would skip
            # all of them in members_joined_id; with the category first it starts at the right row.
            models.Index(fields=["category", "joined_on", "id"], name="members_cat_joined_id"),
            # Category or status filter within a subtree: the list's count is an index-only scan.
            models.Index(
                fields=["category", "org_path"],
                name="members_cat_scope",
                opclasses=["varchar_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["status", "org_path"],
                name="members_status_scope",
                opclasses=["varchar_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == MemberStatus.NORMAL

    def get_additional_data(self) -> dict:
        return {"org_path": self.org_path}
