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
PARTY_COMMITTEE_MIN = StructureRule("4.14", 100, "《中国共产党党和国家机关基层组织工作条例》")
