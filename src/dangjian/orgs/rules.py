"""Structural rules for organisations (RULES.md 4.12–4.14), shown as warnings, never as blocks.

Each rule carries its number and source so the warning can name them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StructureRule:
    code: str
    value: int
    source: str


BRANCH_MIN_FULL = StructureRule("4.12", 3, "《中国共产党支部工作条例（试行）》第五条")
COMMITTEE_MIN_FULL = StructureRule("4.13", 7, "《中国共产党支部工作条例（试行）》第九条")
BRANCH_MAX_MEMBERS = StructureRule("4.12", 50, "《中国共产党支部工作条例（试行）》第五条")
# A branch's committee has a 书记 (4.13); for 党委/总支 the secretary is elected by the committee (4.9).
BRANCH_SECRETARY = StructureRule("4.13", 1, "《中国共产党支部工作条例（试行）》第九条")
COMMITTEE_SECRETARY = StructureRule("4.9", 1, "《中国共产党基层组织选举工作条例》")
PARTY_COMMITTEE_MIN = StructureRule("4.14", 100, "《中国共产党党和国家机关基层组织工作条例》")
