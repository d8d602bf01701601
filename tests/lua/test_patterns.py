"""The matcher written in Lua (used when the C one could run for long) gives the C matcher's answers."""

from __future__ import annotations

import json
import random

import pytest

from adapter.lua import ENGINES, LuaHost

ATOMS = ["a", "b", ".", "%a", "%d", "%s", "%w", "%p", "%S", "[ab]", "[^a]", "[a-c]", "%%", "[%d_]", "%z", "x",
         "%u", "%x", "[]]", "[^%s]"]
QUANTIFIERS = ["", "", "*", "+", "-", "?"]
EXTRA = ["(", ")", "()", "%b()", "%f[%w]", "%1", "^", "$"]
SUBJECTS = ["", "abc", "aaab", "hello world 123", "(a(b)c) x_y", "ab12 cd34  ", "  trim me  ", "a\0b",
            "key=val; k2=v2", "ÄÖü ☃"]

SCRIPT = r"""
local out = {}
local function pack(...) return {n = select("#", ...), ...} end
local function show(r)
  local t = {}
  for i = 1, r.n do
    -- hex, as a match may split a UTF-8 character
    t[i] = type(r[i]) == "string" and ("s:" .. r[i]:gsub(".", function(ch) return ("%02x"):format(ch:byte()) end))
      or tostring(r[i])
  end
  return table.concat(t, "|")
end
for i, c in ipairs(cases) do
  local r
  if c.f == "gmatch" then
    r = pack(pcall(function()
      local acc = {}
      for a, b in string.gmatch(c.s, c.p) do
        acc[#acc + 1] = tostring(a) .. "," .. tostring(b)
        if #acc > 40 then break end
      end
      return table.concat(acc, ";")
    end))
  elseif c.f == "gsub" then
    r = pack(pcall(string.gsub, c.s, c.p, c.a, c.b))
  else
    r = pack(pcall(string[c.f], c.s, c.p, c.a))
  end
  out[i] = r[1] and show(r) or "error"
end
return out
"""


def _cases(seed: int, count: int) -> list[dict]:
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        parts = [rng.choice(EXTRA) if rng.random() < 0.2 else rng.choice(ATOMS) + rng.choice(QUANTIFIERS)
                 for _ in range(rng.randint(1, 5))]
        case = {"f": rng.choice(["find", "match", "gmatch", "gsub"]), "s": rng.choice(SUBJECTS), "p": "".join(parts)}
        if case["f"] in ("find", "match"):
            case["a"] = rng.choice([1, 2, -3, 20])
        if case["f"] == "gsub":
            case["a"] = rng.choice(["<%0>", "%1", "X", "%%", "[%2]"])
            case["b"] = rng.choice([1, 2, 50])
        cases.append(case)
    return cases


@pytest.mark.parametrize("engine", ENGINES)
def test_lua_matcher_agrees_with_c(engine: str, mock_dispatcher) -> None:
    cases = _cases(seed=7, count=1500)
    c_host = LuaHost(mock_dispatcher, engine=engine)
    lua_host = LuaHost(mock_dispatcher, engine=engine, pattern_input_limit=0)  # every pattern call in Lua
    expected = c_host.run(SCRIPT, globals={"cases": cases})
    got = lua_host.run(SCRIPT, globals={"cases": cases})
    assert len(expected) == len(cases)
    mismatches = [(c, e, g) for c, e, g in zip(cases, expected, got, strict=True) if e != g]
    assert not mismatches, json.dumps(mismatches[:5], ensure_ascii=False)
    assert sum(1 for e in expected if e != "error") > len(cases) // 2  # most cases really match something


def test_long_subjects_still_work(mock_host: LuaHost) -> None:
    out = mock_host.run("""
        local parts = {}
        for i = 1, 10000 do parts[i] = "k" .. i .. "=v" .. i end
        local text = table.concat(parts, "&")            -- ~110 KB, above the C matcher's 64 KiB
        local n = 0
        for k, v in text:gmatch("(%w+)=(%w+)") do n = n + 1 end
        local replaced, count = text:gsub("=", ":")
        return {n = n, count = count, first = text:match("^(%w+)"), at = (text:find("k9999=", 1, true))}
    """)
    assert out["n"] == 10000 and out["count"] == 10000 and out["first"] == "k1" and out["at"] > 0
