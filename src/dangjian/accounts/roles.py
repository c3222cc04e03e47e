"""Roles and what each may do. A grant = (role, organisation node) and covers that node's subtree."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    WORK_COMMITTEE_ADMIN = "work_committee_admin", _("工委管理员")
    COMMITTEE_ADMIN = "committee_admin", _("党委/总支管理员")
    BRANCH_SECRETARY = "branch_secretary", _("支部书记/组织委员")
    MEMBER = "member", _("党员")
    AUDITOR = "auditor", _("审计员")


# Resources are what restrict() guards; each scoped model names its resource.
ORG, MEMBER, POST, ORG_REQUEST, AUDIT, ACCOUNT, JOB = (
    "org",
    "member",
    "post",
    "org_request",
    "audit",
    "account",
    "job",
)
# Member lifecycle: development (applicants to 转正), transfers and 流动党员, versioned rule sets.
DEVELOPMENT, TRANSFER, RULESET = "development", "transfer", "ruleset"
# 党费: the branch keeps the ledger; "approve" is the 上一级党委's approval of hardship relief
# (RULES.md 1.7); "remit" and "spend" record remittance up the tree and the use of dues (1.14, 1.15).
DUES = "dues"
# 三会一课 and 主题党日 records (RULES.md 4.15): the branch records, the levels above see and record too.
LIFE = "life"
_LIFE = frozenset({"view", "add", "change", "export"})
# 换届选举 and 届中任免 (RULES.md 4, 5.4): the organisation prepares and records; "approve" is the
# 上级党组织's 批复 (the service also requires the approver to sit strictly above the organisation).
ELECTION = "election"
_BRANCH_ELECTION = frozenset({"view", "add", "change", "export"})
_COMMITTEE_ELECTION = _BRANCH_ELECTION | {"approve"}
# 联建共创 pairings and activities, 挂点联系 and 党建指导员 (the article's 联建共创 section).
OUTREACH = "outreach"
_OUTREACH = frozenset({"view", "add", "change", "export"})
# 困难党员帮扶: "view_circumstances" reads a member's personal circumstances (sensitive, audited).
CARE = "care"
_BRANCH_CARE = frozenset({"view", "add", "change", "export"})
_COMMITTEE_CARE = _BRANCH_CARE | {"view_circumstances", "approve"}
# 群众意见: handling units act on their own cases; "route" assigns 主办/协办, "supervise" is 催办/督办
# and extension approval by the 工委, "view_contact" reads a submitter's name and phone.
OPINION = "opinion"
_BRANCH_OPINION = frozenset({"view", "add", "change", "export"})
_COMMITTEE_OPINION = _BRANCH_OPINION | {"import", "route", "view_contact"}
_BRANCH_DUES = frozenset({"view", "add", "change", "export", "import"})
_COMMITTEE_DUES = _BRANCH_DUES | {"approve", "remit", "spend"}

# 发展党员: "approve" is the 上级党委's part (备案, 预审, 派人谈话, 审批 — RULES.md 2.4, 2.9, 2.11,
# 2.12); "exception" records a documented departure from a timing rule, which stays visible.
_BRANCH_DEVELOPMENT = frozenset({"view", "add", "change", "export"})
_COMMITTEE_DEVELOPMENT = _BRANCH_DEVELOPMENT | {"approve", "exception"}
# 组织关系接转: both ends act (the sender issues, the receiver confirms); "relay" is the 工委's
# part for transfers that leave or enter its tree (RULES.md 5.4).
_BRANCH_TRANSFER = frozenset({"view", "add", "change", "receive", "export"})

_STAFF_MEMBER = {"view", "add", "change", "archive", "export", "import"}
# 停止党籍, its restoration, 除名 and 出党 need the higher level's approval (RULES.md 1.17–1.19).
_APPROVE_STATUS = {"approve_status"}

ROLE_ACTIONS: dict[str, dict[str, frozenset[str]]] = {
    # 三员分立 (SECURITY.md 8.1.4.2 d): the system administrator manages accounts, sees no member data
    # and no audit log; the auditor reads the audit log and changes nothing.
    Role.SYSTEM_ADMIN: {
        ACCOUNT: frozenset({"view", "add", "change"}),
        ORG: frozenset({"view"}),
        RULESET: frozenset({"view", "add"}),
    },
    Role.AUDITOR: {
        AUDIT: frozenset({"view"}),
        ORG: frozenset({"view"}),
        RULESET: frozenset({"view"}),
    },
    Role.WORK_COMMITTEE_ADMIN: {
        ORG: frozenset({"view", "change", "export", "import", "request", "approve"}),
        MEMBER: frozenset(_STAFF_MEMBER | {"view_pii"} | _APPROVE_STATUS),
        POST: frozenset({"view", "add", "change"}),
        ORG_REQUEST: frozenset({"view", "add", "approve"}),
        AUDIT: frozenset({"view"}),
        JOB: frozenset({"view"}),
        DEVELOPMENT: _COMMITTEE_DEVELOPMENT,
        TRANSFER: _BRANCH_TRANSFER | {"relay"},
        DUES: _COMMITTEE_DUES,
        LIFE: _LIFE,
        ELECTION: _COMMITTEE_ELECTION,
        OUTREACH: _OUTREACH,
        CARE: _COMMITTEE_CARE,
        OPINION: _COMMITTEE_OPINION | {"supervise"},
        RULESET: frozenset({"view", "add"}),
    },
    Role.COMMITTEE_ADMIN: {
        ORG: frozenset({"view", "change", "export", "import", "request"}),
        MEMBER: frozenset(_STAFF_MEMBER | {"view_pii"} | _APPROVE_STATUS),
        POST: frozenset({"view", "add", "change"}),
        ORG_REQUEST: frozenset({"view", "add"}),
        JOB: frozenset({"view"}),
        DEVELOPMENT: _COMMITTEE_DEVELOPMENT,
        TRANSFER: _BRANCH_TRANSFER,
        DUES: _COMMITTEE_DUES,
        LIFE: _LIFE,
        ELECTION: _COMMITTEE_ELECTION,
        OUTREACH: _OUTREACH,
        CARE: _COMMITTEE_CARE,
        OPINION: _COMMITTEE_OPINION,
        RULESET: frozenset({"view"}),
    },
    Role.BRANCH_SECRETARY: {
        ORG: frozenset({"view", "export", "request"}),
        MEMBER: frozenset(_STAFF_MEMBER),
        POST: frozenset({"view", "add", "change"}),
        ORG_REQUEST: frozenset({"view", "add"}),
        JOB: frozenset({"view"}),
        DEVELOPMENT: _BRANCH_DEVELOPMENT,
        TRANSFER: _BRANCH_TRANSFER,
        DUES: _BRANCH_DUES | {"remit", "spend"},
        LIFE: _LIFE,
        ELECTION: _BRANCH_ELECTION,
        OUTREACH: _OUTREACH,
        CARE: _BRANCH_CARE,
        OPINION: _BRANCH_OPINION,
        RULESET: frozenset({"view"}),
    },
    # A member sees their own record and their own organisation, and edits only their contact details.
    Role.MEMBER: {
        MEMBER: frozenset({"view", "change_contact"}),
        ORG: frozenset({"view"}),
    },
}

# Roles that may not be combined on one account (SECURITY.md 8.1.4.2 d, 三员分立).
SEPARATED_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.AUDITOR})
SELF_ONLY_ROLES = frozenset({Role.MEMBER})
