"""Rule domain "elections": the numbers of a 换届选举 count (RULES.md 4.3, 4.5–4.8).

`rules_on("elections", day)` gives these values; `dangjian.elections.count` reads them through
`CountRules.from_rules`. Items graded [?] in RULES.md are settings with the defaults below:

* Quorum (4.5 [?]). The 1990 《中国共产党基层组织选举工作暂行条例》 requires the voting members
  present to be *more than* 4/5 of those who should attend ("超过应到会人数的五分之四"); a
  "不少于（含）五分之四" wording also circulates and the 2020 wording was not seen. Default: 4/5,
  strictly more; the fraction and "strict" are settings.
* Threshold base (4.7 [? conflict]). The 1990 text counts votes against half of 实到会 voters;
  旗帜网 (the 中央和国家机关工委's own site, 2023, i.e. after the 2020 条例) says the basic-level
  rule now matches the local-organisation rule: more than half of 应到会有选举权人数. Default:
  "electorate" (应到会) — it is the newer source from the body closest to an agency work committee,
  it matches 4.16 (支部大会 decisions need > half of 应到会), and it is the stricter reading: anyone
  elected under it would also be elected under the other (实到会 ≤ 应到会), so the default never
  declares a winner the other reading would reject. Switch to "present" (实到会) by a new version.
* 差额 (4.3). ≥ 20 % more candidates than seats [B]; local practice rounds the candidate count
  up (进一法) [L], which is also what "≥ 20 %" means for whole people. Turning rounding up off uses
  四舍五入 on the number of extra candidates (documented, not recommended).
"""

from datetime import date

from dangjian.core.rulesets import Domain, RuleSpec, register_domain

DOMAIN = "elections"

THRESHOLD_BASE_CHOICES = ("electorate", "present")

ELECTION_RULES = register_domain(
    Domain(
        key=DOMAIN,
        label="换届选举计票",
        builtin_name="基层组织选举（《中国共产党基层组织选举工作条例》及相关规定）",
        builtin_from=date(2020, 7, 13),
        specs=(
            RuleSpec(
                "quorum_numerator",
                "选举有效的到会比例（分子）：有选举权的到会人数与应到会人数之比",
                4,
                unit="",
                source="《中国共产党基层组织选举工作暂行条例》（1990年）：超过应到会人数的五分之四"
                "（RULES.md 4.5，2020年条例原文未见，可设置）",
                grade="?",
                minimum=1,
                maximum=99,
            ),
            RuleSpec(
                "quorum_denominator",
                "选举有效的到会比例（分母）",
                5,
                unit="",
                source="同上：五分之四的“五”（RULES.md 4.5，可设置）",
                grade="?",
                minimum=1,
                maximum=100,
            ),
            RuleSpec(
                "quorum_strict",
                "到会人数须“超过”该比例（否则“达到（含）”即可）",
                True,
                kind="bool",
                source="1990年暂行条例为“超过”；另有“不少于（含）五分之四”的说法（RULES.md 4.5，"
                "可设置）",
                grade="?",
            ),
            RuleSpec(
                "threshold_base",
                "当选票数计算基数：electorate＝应到会有选举权人数，present＝实到会有选举权人数",
                "electorate",
                kind="text",
                source="旗帜网（中央和国家机关工委）：基层组织与地方组织相同，赞成票超过应到会有选举权"
                "人数的半数始得当选；1990年暂行条例为实到会（RULES.md 4.7，两说冲突，可设置；默认"
                "应到会，为较严格的一种）",
                grade="?",
            ),
            RuleSpec(
                "slate_margin_percent",
                "候选人差额比例（不少于应选人数的）",
                20,
                unit="%",
                source="《中国共产党基层组织选举工作条例》第九条、第十三条（RULES.md 4.3）",
                grade="B",
                minimum=0,
                maximum=100,
            ),
            RuleSpec(
                "slate_round_up",
                "差额人数按进一法取整（否则四舍五入）",
                True,
                kind="bool",
                source="各地做法：候选人数按进一法取整（RULES.md 4.3）",
                grade="L",
            ),
        ),
    )
)


# --- Terms (任期) ------------------------------------------------------------------------------

TERMS = "terms"

TERM_RULES = register_domain(
    Domain(
        key=TERMS,
        label="基层党组织任期",
        builtin_name="《关于党的基层组织任期的意见》（2018年）及《中国共产党基层组织选举工作条例》",
        builtin_from=date(2018, 1, 1),
        specs=(
            RuleSpec(
                "party_committee_years",
                "基层党委每届任期",
                5,
                unit="年",
                source="《关于党的基层组织任期的意见》：基层党委一般每届5年（RULES.md 4.11）",
                grade="B",
                minimum=1,
                maximum=10,
            ),
            RuleSpec(
                "general_branch_years",
                "党总支每届任期",
                3,
                unit="年",
                source="《关于党的基层组织任期的意见》：总支部委员会一般每届3年（RULES.md 4.11）",
                grade="B",
                minimum=1,
                maximum=10,
            ),
            RuleSpec(
                "branch_years",
                "党支部每届任期",
                3,
                unit="年",
                source="《关于党的基层组织任期的意见》：支部委员会一般每届3年（RULES.md 4.11）",
                grade="B",
                minimum=1,
                maximum=10,
            ),
            RuleSpec(
                "village_community_years",
                "村、社区党组织每届任期",
                5,
                unit="年",
                source="《关于党的基层组织任期的意见》：村、社区党组织每届5年（RULES.md 4.11）",
                grade="B",
                minimum=1,
                maximum=10,
            ),
            RuleSpec(
                "change_max_months",
                "延期或提前换届一般不超过",
                12,
                unit="个月",
                source="《中国共产党基层组织选举工作条例》第三条：延期或提前换届须经上级党组织批准，"
                "期限一般不超过1年（RULES.md 4.1）",
                grade="A",
                minimum=1,
                maximum=60,
            ),
            RuleSpec(
                "due_soon_months",
                "任期届满提醒提前",
                6,
                unit="个月",
                source="本地设置：提前几个月列入“即将届满”名单，无上级统一规定（默认6个月，可设置）",
                grade="?",
                minimum=1,
                maximum=24,
            ),
            RuleSpec(
                "branch_committee_min_full_members",
                "设立支部委员会的正式党员人数",
                7,
                unit="人",
                source="《中国共产党支部工作条例（试行）》：正式党员7人以上的设支部委员会，不足7人的"
                "设书记1名（RULES.md 4.13）",
                grade="B",
                minimum=1,
                maximum=50,
            ),
        ),
    )
)
