#!/usr/bin/env python3
"""Every program the build, the scripts and the tests run comes from a package that
scripts/install-deps.sh installs, so a tool present only by accident of the image fails here
instead of on a contributor's fresh Debian 12 machine.

Programs are collected from the files themselves:
  - CMakePresets.json: CMAKE_<LANG>_COMPILER of every configure preset (CMake's default `c++`
    and `cc` for presets without one), cmake and ctest, and `make` (the default generator);
  - CMake files: find_program() names, pkg-config for find_package(PkgConfig), protoc for
    find_package(Protobuf);
  - scripts/*.sh, .ci/run, tests/**/*.sh: the first word of every simple command (after `;`,
    `&&`, `||`, `|`, `$(`, `exec`, `sudo`), shell keywords and builtins left out;
  - tests/**/*.py: the literal program of subprocess.run/Popen/call/check_*/harness start()
    argument lists and of shutil.which(), and every imported module that is not a test file;
  - C++ under tests/ and bench/ in files that exec or popen: the first word of a literal
    assigned to a `cmd`/`command` variable, the literal program of execlp/execvp/posix_spawnp,
    the first literal of an `argv = {"prog", ...}` list or of a Run*/Spawn*/Exec* helper's
    `({"prog", ...})` (RunAdwatch's arguments are adwatch's).
Each program is resolved with PATH lookup and `readlink -f` (alternatives followed), each module
with /usr/bin/python3's importlib, then `dpkg -S`. The owning package must be one that
install-deps.sh lists, or in the closure of their Depends/Pre-Depends (what
`apt-get install --no-install-recommends` pulls in; of alternatives `a | b` only the first,
which apt takes on a fresh machine), or part of the minbase system (Essential: yes or
Priority: required, what `debootstrap --variant=minbase` installs).
"""
import ast
import glob
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON = "/usr/bin/python3"  # what tests/CMakeLists.txt runs the Python tests with
# A fresh Debian machine's PATH: a program found only in a user's own directories (pyenv shims,
# ~/.local/bin) does not count.
DEBIAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# `$sudo` is empty for root and `sudo` otherwise: a non-root user needs sudo to run apt-get at
# all, so it cannot be something install-deps.sh installs. Local scripts are not packages.
NOT_PROGRAMS = {"sudo"}


def fail(message):
    print("FAIL: " + message, flush=True)
    sys.exit(1)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def listed_packages():
    text = read(os.path.join(ROOT, "scripts", "install-deps.sh"))
    m = re.search(r"^packages=\((.*?)^\)", text, re.S | re.M)
    if not m:
        fail("scripts/install-deps.sh: no `packages=( ... )` list")
    words = re.sub(r"#[^\n]*", "", m.group(1)).split()
    return set(words)


# --- collecting programs --------------------------------------------------------------------

def from_presets(found):
    presets = json.loads(read(os.path.join(ROOT, "CMakePresets.json")))
    for p in presets.get("configurePresets", []):
        cache = p.get("cacheVariables", {})
        where = f"CMakePresets.json preset {p['name']}"
        for lang, default in (("CXX", "c++"), ("C", "cc")):
            value = cache.get(f"CMAKE_{lang}_COMPILER", default)
            if isinstance(value, dict):
                value = value.get("value", default)
            found.setdefault(value, where)
    for prog in ("cmake", "ctest", "make"):
        found.setdefault(prog, "CMakePresets.json (cmake --preset / ctest --preset)")


def from_cmake(found):
    files = [os.path.join(ROOT, "CMakeLists.txt")]
    for pattern in ("src/**/CMakeLists.txt", "tests/**/CMakeLists.txt", "bench/**/CMakeLists.txt",
                    "fuzz/**/CMakeLists.txt", "cmake/**/*.cmake"):
        files += glob.glob(os.path.join(ROOT, pattern), recursive=True)
    for path in files:
        text = read(path)
        rel = os.path.relpath(path, ROOT)
        for m in re.finditer(r"find_program\s*\(\s*\w+\s+(?:NAMES\s+)?([^\s)]+)([^)]*)\)", text):
            name, rest = m.group(1), m.group(2)
            only = re.search(r"PATHS\s+(/\S+)", rest)
            if only and "NO_DEFAULT_PATH" in rest:
                name = os.path.join(only.group(1), name)
            found.setdefault(name, rel + " find_program")
        if re.search(r"find_package\s*\(\s*PkgConfig\b", text):
            found.setdefault("pkg-config", rel + " find_package(PkgConfig)")
        if re.search(r"find_package\s*\(\s*Protobuf\b", text):
            found.setdefault("protoc", rel + " find_package(Protobuf)")


def shell_code(text):
    """The script with quoted text blanked out (command substitutions inside double quotes
    kept), comments and array assignments dropped: what is left are commands."""
    out, stack, i = [], ["code"], 0
    while i < len(text):
        c, mode = text[i], stack[-1]
        if mode == "dq":
            if c == "\\":
                i += 2
                continue
            if c == '"':
                stack.pop()
                out.append("Q")
            elif text.startswith("$(", i):
                stack.append("sub")
                out.append(" $(")
                i += 2
                continue
            i += 1
            continue
        if c == "\\":
            out.append(" " if text[i + 1:i + 2] == "\n" else text[i:i + 2])
            i += 2
            continue
        if c == "'":
            j = text.find("'", i + 1)
            i = len(text) if j < 0 else j + 1
            out.append("Q")
            continue
        if c == '"':
            stack.append("dq")
        elif c == "#" and (i == 0 or text[i - 1] in " \t\n;"):
            j = text.find("\n", i)
            i = len(text) if j < 0 else j
            continue
        elif text.startswith("((", i) or text.startswith("$((", i):
            j = text.find("))", i)  # arithmetic
            i = len(text) if j < 0 else j + 2
            out.append("Q")
            continue
        elif text.startswith("$(", i):
            stack.append("sub")
            out.append(" $(")
            i += 2
            continue
        elif c == ")" and mode == "sub":
            stack.pop()
            out.append(" ; ")
        elif c == "(" and i > 0 and text[i - 1] == "=":
            depth, j = 1, i + 1  # an array assignment: its words are data
            while j < len(text) and depth:
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                j += 1
            out.append("Q")
            i = j
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


# Words after which the next word is the command.
PREFIXES = {"do", "then", "else", "elif", "if", "while", "until", "!", "time", "exec", "sudo",
            "$sudo", "{", "command"}
# Words that make the rest of the simple command something other than a program run.
NOT_COMMANDS = {"for", "case", "in", "function", "esac", "done", "fi", "}", "return", "local",
                "exit", "set", "cd", "echo", "printf", "read", "shift", "test", "[", "[[",
                "true", "false", "export", "source", ".", "wait", "trap", "eval", "type",
                "declare", "readonly", "unset", "break", "continue", "mapfile", "kill", "let",
                "pushd", "popd", ":"}


def shell_commands(text):
    """First words of the simple commands of a shell script (a tokenizer, not a parser)."""
    words = []
    for part in re.split(r"\$\(|;;|;|&&|\|\||\||\(\(|\)\)|\(|\)|`|\n", shell_code(text)):
        tokens = part.split()
        while tokens and (tokens[0] in PREFIXES or re.match(r"^[A-Za-z_]\w*(\[[^]]*\])?\+?=",
                                                             tokens[0])):
            tokens.pop(0)
        if not tokens:
            continue
        t = tokens[0]
        if t in NOT_COMMANDS or t == "Q" or not re.match(r"^/?[A-Za-z][\w.+/-]*$", t):
            continue
        if "/" in t and not t.startswith("/"):
            continue  # the repository's own scripts and binaries
        words.append(t)
    return words


def from_shell(found):
    paths = glob.glob(os.path.join(ROOT, "scripts", "*.sh")) + [os.path.join(ROOT, ".ci", "run")]
    paths += glob.glob(os.path.join(ROOT, "tests", "**", "*.sh"), recursive=True)
    for path in paths:
        rel = os.path.relpath(path, ROOT)
        for word in shell_commands(read(path)):
            if word in NOT_PROGRAMS:
                continue
            found.setdefault(word, rel)


RUNNERS = {"run", "Popen", "call", "check_call", "check_output", "start", "getoutput"}


def from_python(found, modules):
    paths = glob.glob(os.path.join(ROOT, "tests", "**", "*.py"), recursive=True)
    local = {os.path.splitext(os.path.basename(p))[0]
             for p in subprocess.run(["git", "-C", ROOT, "ls-files", "*.py"], capture_output=True,
                                     text=True).stdout.split() + paths}
    for path in paths:
        rel = os.path.relpath(path, ROOT)
        tree = ast.parse(read(path), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    modules.setdefault(alias.name.split(".")[0], rel)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.setdefault(node.module.split(".")[0], rel)
            elif isinstance(node, ast.Call) and node.args:
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
                first = node.args[0]
                if name == "which" and isinstance(first, ast.Constant):
                    found.setdefault(first.value, rel + " shutil.which")
                elif (name in RUNNERS and isinstance(first, (ast.List, ast.Tuple)) and first.elts
                      and isinstance(first.elts[0], ast.Constant)
                      and isinstance(first.elts[0].value, str)):
                    found.setdefault(first.elts[0].value, f"{rel}:{node.lineno}")
    for name in local:
        modules.pop(name, None)


def from_cpp(found):
    paths = []
    for top in ("tests", "bench"):
        for ext in ("cc", "h", "cpp"):
            paths += glob.glob(os.path.join(ROOT, top, "**", "*." + ext), recursive=True)
    patterns = [
        r"\b(?:cmd|command)\w*\s*=\s*(?:std::string\s*\(\s*)?\"([A-Za-z][\w.+-]*)",
        r"\b(?:execlp|execvp|execvpe|posix_spawnp)\s*\(\s*(?:[^,()]*,\s*)?\"([\w.+-]+)\"",
        r"\bargv\w*\s*(?:\[\s*\w*\s*\])?\s*=?\s*\{\s*\"([A-Za-z][\w.+-]*)\"",
        # A helper that runs an argument list: RunProgram({"curl", ...}) (not RunAdwatch).
        r"\b(?!\w*Adwatch)\w*(?:Run|Spawn|Exec)\w*\s*\(\s*(?:std::vector<std::string>\s*)?"
        r"\{\s*\"([A-Za-z][\w.+-]*)\"",
    ]
    for path in paths:
        text = read(path)
        if not re.search(r"\b(popen|system|execlp|execvp|execvpe|posix_spawnp?)\s*\(", text):
            continue
        rel = os.path.relpath(path, ROOT)
        for pattern in patterns:
            for m in re.finditer(pattern, text):
                line = text.count("\n", 0, m.start()) + 1
                found.setdefault(m.group(1), f"{rel}:{line}")


# --- resolving to packages ------------------------------------------------------------------

def twins(path):
    """`path` and its merged-/usr twin (/bin/x for /usr/bin/x): dpkg knows one of them."""
    m = re.match(r"^/usr(/(?:s?bin|lib\w*)/.*)$", path)
    if m:
        return [path, m.group(1)]
    if re.match(r"^/(?:s?bin|lib\w*)/", path):
        return [path, "/usr" + path]
    return [path]


def dpkg_owners(paths):
    """{path: [packages]} for the paths a package owns: one `dpkg -S` for all of them."""
    candidates = sorted({c for p in paths for c in twins(p)})
    out = subprocess.run(["dpkg", "-S", *candidates], capture_output=True, text=True).stdout
    owned = {}
    for line in out.splitlines():
        if line.startswith("diversion "):
            continue
        pkgs, _, path = line.partition(": ")
        if path.strip() in candidates:
            owned[path.strip()] = [p.strip().split(":")[0] for p in pkgs.split(",")]
    result = {}
    for p in paths:
        for c in twins(p):
            if c in owned:
                result[p] = owned[c]
                break
    return result


def symlink_hops(path):
    """`path` and every link it goes through: /usr/bin/c++ -> /etc/alternatives/c++ -> ..."""
    hops = []
    while path not in hops:
        hops.append(path)
        if not os.path.islink(path):
            break
        path = os.path.join(os.path.dirname(path), os.readlink(path))
        path = os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))
    return hops


def installed_db():
    fmt = "${Package}\t${Status}\t${Essential}\t${Priority}\t${Provides}\t${Pre-Depends}\t${Depends}\n"
    out = subprocess.run(["dpkg-query", "-W", "-f", fmt], capture_output=True, text=True,
                         check=True).stdout
    db, providers = {}, {}
    for line in out.splitlines():
        name, status, essential, priority, provides, pre, deps = line.split("\t")
        if not status.endswith(" installed"):
            continue
        db[name] = {"base": essential == "yes" or priority == "required",
                    "deps": [d for d in (pre + "," + deps).split(",") if d.strip()]}
        for p in provides.split(","):
            p = p.strip().split(" ")[0]
            if p:
                providers.setdefault(p, []).append(name)
    return db, providers


def closure(roots, db, providers):
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name not in db:
            continue
        for dep in db[name]["deps"]:
            first = re.sub(r"[\s(\[<].*", "", dep.split("|")[0].strip()).split(":")[0]
            todo.extend([first] + providers.get(first, []))
    return seen


def main():
    listed = listed_packages()
    programs, modules = {}, {}
    from_presets(programs)
    from_cmake(programs)
    from_shell(programs)
    from_python(programs, modules)
    from_cpp(programs)

    db, providers = installed_db()
    not_installed = sorted(p for p in listed if p not in db)
    if not_installed:
        fail("scripts/install-deps.sh lists packages that are not installed here: "
             + " ".join(not_installed) + " (run scripts/install-deps.sh)")
    allowed = closure(listed | {n for n, v in db.items() if v["base"]}, db, providers)

    problems = []

    to_check = []  # (what, used by, path)

    def check(what, source, path):
        to_check.append((what, source, path))

    for prog, source in sorted(programs.items()):
        located = prog if prog.startswith("/") else shutil.which(prog, path=DEBIAN_PATH)
        if located is None:
            problems.append(f"program `{prog}` (used by {source}) is not on PATH: add the "
                            "package that provides it to scripts/install-deps.sh")
            continue
        check(f"program `{prog}`", source, os.path.abspath(located))

    probe = ("import importlib.util, sys\n"
             "for m in sys.argv[1:]:\n"
             "    s = importlib.util.find_spec(m)\n"
             "    print(m, 'MISSING' if s is None else (s.origin or 'MISSING'))\n")
    out = subprocess.run([PYTHON, "-c", probe, *sorted(modules)], capture_output=True,
                         text=True, check=True).stdout
    python_itself = os.path.realpath(PYTHON)
    for line in out.splitlines():
        name, origin = line.split(" ", 1)
        source = modules[name]
        if origin == "MISSING":
            problems.append(f"python module `{name}` (imported by {source}) is not installed for "
                            f"{PYTHON}: add its python3-* package to scripts/install-deps.sh")
            continue
        path = python_itself if origin in ("built-in", "frozen") else os.path.abspath(origin)
        check(f"python module `{name}`", source, path)

    # Every hop of the symlink chain that a package owns must be installed: /usr/bin/clang++
    # (package clang) -> /usr/lib/llvm-14/bin/clang (clang-14).
    chains = {path: symlink_hops(path) for _, _, path in to_check}
    owners = dpkg_owners([hop for hops in chains.values() for hop in hops])
    for what, source, path in to_check:
        owned = [hop for hop in chains[path] if hop in owners]
        if not owned:
            problems.append(f"{what} (used by {source}) is {chains[path][-1]}, which no Debian "
                            "package owns: install it from a package listed in "
                            "scripts/install-deps.sh")
        for hop in owned:
            if not any(o in allowed for o in owners[hop]):
                problems.append(f"{what} (used by {source}) is {hop} from package "
                                f"{'/'.join(owners[hop])}, which scripts/install-deps.sh does "
                                f"not install (add {owners[hop][0]} to its packages)")

    for p in problems:
        print("FAIL: " + p)
    if problems:
        sys.exit(1)
    print(f"ok: {len(programs)} programs and {len(modules)} python modules, each from a package "
          f"that scripts/install-deps.sh installs ({len(listed)} listed, {len(allowed)} with "
          "dependencies and the minbase system)")
    for prog, source in sorted(programs.items()):
        print(f"  {prog:24} {source}")


if __name__ == "__main__":
    main()
