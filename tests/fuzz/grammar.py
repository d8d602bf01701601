"""Small hostile Lua programs from a grammar: library calls (pattern functions above all), nesting through C
(gsub/sort/format/resume callbacks, metamethods, pcall), coroutines, memory and output growth, and Twilio
calls, combined in loops and recursive functions."""

from __future__ import annotations

from hypothesis import strategies as st

FROM, TO = "+15005550006", "+15558675310"

PATTERN_ATOMS = ["a", ".", "%d", "%a", "[ab]", "[^a]", "%w", "(a)", "%b()", "%f[%w]", "b", "\\0", "%%"]
QUANTIFIERS = ["", "", "*", "+", "-", "?"]


@st.composite
def patterns(draw: st.DrawFn) -> str:
    atoms = draw(st.lists(st.tuples(st.sampled_from(PATTERN_ATOMS), st.sampled_from(QUANTIFIERS)), min_size=1,
                          max_size=8))
    text = "".join(a + q for a, q in atoms)
    if draw(st.booleans()):
        text = "^" + text
    if draw(st.booleans()):
        text += "$"
    return text.replace('"', '\\"')


subjects = st.one_of(
    st.sampled_from(['"abc"', '"a(b)c 12"', '("a"):rep(N)', '("ab"):rep(N) .. "c"', '("(a)"):rep(N)',
                     'string.rep("a1 ", N)', "tostring(N)"]),
).map(lambda s: s)
sizes = st.sampled_from(["1", "10", "1000", "30000", "200000", "2^20", "2^24"])


@st.composite
def expressions(draw: st.DrawFn, depth: int = 0) -> str:
    n = draw(sizes)
    subject = draw(subjects).replace("N", n)
    pattern = '"' + draw(patterns()) + '"'
    choices = [
        f"string.find({subject}, {pattern})",
        f"string.match({subject}, {pattern})",
        f"select('#', string.gsub({subject}, {pattern}, '%0%0'))",
        f"string.gsub({subject}, {pattern}, function(c) return f(c) end)",
        f"string.gsub({subject}, {pattern}, setmetatable({{}}, {{__index = function(t, k) return f(k) end}}))",
        f"(function() local n = 0 for x in string.gmatch({subject}, {pattern}) do n = n + 1 end return n end)()",
        f"(function() local n = 0 for x in (string.gfind or string.gmatch)({subject}, {pattern}) do n = n + 1 end "
        "return n end)()",
        f"string.find({subject}, string.rep('a', {n}) .. 'b', 1, true)",
        f"string.rep('x', {n})",
        f"string.format('%s %d %q', setmetatable({{}}, {{__tostring = function() return f('t') end}}), 1, {subject})",
        "tostring(setmetatable({}, {__tostring = function(s) return f(s) end}))",
        "table.sort({3, 1, 2, 5, 4}, function(a, b) f(a) return a < b end)",
        "table.concat({f(1), f(2)}, ',')",
        "coroutine.wrap(function() return f(1) end)()",
        "coroutine.resume(coroutine.create(function(x) coroutine.yield(f(x)) end), 1)",
        "pcall(f, 1)",
        "xpcall(function() return f(1) end, function(e) return f(e) end)",
        "load(function() return f and nil end)",
        "load('return ' .. string.rep('(', 300) .. '1' .. string.rep(')', 300))",
        "setmetatable({}, {__index = function(t, k) return f(k) end}).x",
        "setmetatable({}, {__concat = function(a, b) return f(a) end}) .. 'x'",
        "setmetatable({}, {__call = function(s, x) return f(x) end})(1)",
        "math.random(1, 10)",
        "collectgarbage('count')",
        f"Twilio.postMessage{{From = '{FROM}', To = '{TO}', Body = tostring({subject})}}",
        "Twilio.listMessage{PageSize = 5}",
        f"Twilio.getMessage{{[string.rep('k', {n})] = 1}}",
        "Twilio.listMessage{AccountSid = 'AC' .. string.rep('f', 32)}",
        "(function() for m in Twilio.each('listMessage', {PageSize = 2}) do f(m) end end)()",
        "print(string.rep('p', " + n + "))",
        "error(setmetatable({}, {__tostring = function() return f('e') end}))",
    ]
    return draw(st.sampled_from(choices))


@st.composite
def statements(draw: st.DrawFn) -> str:
    expr = draw(expressions())
    kind = draw(st.sampled_from(["plain", "pcall", "loop", "keep", "forever"]))
    if kind == "plain":
        return f"local _ = {expr}"
    if kind == "pcall":
        return f"pcall(function() return {expr} end)"
    if kind == "loop":
        return f"for i = 1, {draw(st.sampled_from(['3', '100', '10000']))} do local _ = {expr} end"
    if kind == "keep":
        return f"for i = 1, {draw(st.sampled_from(['10', '1000']))} do K[#K + 1] = {{{expr}}} end"
    return f"while true do pcall(function() return {expr} end) end"


@st.composite
def programs(draw: st.DrawFn) -> str:
    """A program: `f` (recursive through C, or a plain function), then a few statements."""
    body = draw(st.sampled_from([
        "return x",
        "return (string.gsub(tostring(x), '.', f))",
        "return tostring(setmetatable({}, {__tostring = f}))",
        "local co = coroutine.create(f) return select(2, coroutine.resume(co, x))",
        "table.sort({3, 2, 1}, function(a, b) f(a) return a < b end) return x",
        "return string.format('%s', setmetatable({}, {__tostring = function() return f(x) end}))",
        "return pcall(f, x)",
        "return f(x)",
        "return coroutine.wrap(f)(x)",
        "if type(x) == 'number' and x > 50 then return x end return f((tonumber(x) or 0) + 1)",
    ]))
    count = draw(st.integers(min_value=1, max_value=4))
    lines = ["K = {}", f"local f f = function(x) {body} end"]
    lines += [draw(statements()) for _ in range(count)]
    lines.append("return #K")
    return "\n".join(lines)
