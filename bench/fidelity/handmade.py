"""Gold items that need judgement, written by hand and each read against its source.

Who "it" is, whether an elided aside carries the sentence's own negation or only its own, whether a
dropped clause was a condition: a generator cannot tell, a reader can.  Every item quotes the
source as ``reader.py`` renders it (the sentence it comes from is in the note where it helps);
``make_gold.py`` checks that every literal fragment of each item is in its source, so a typo here
fails the build of the gold set instead of becoming a wrong expectation.
"""

from __future__ import annotations


def _v(text, source, category, note):
    return {
        "text": text,
        "source": source,
        "expect": "verified",
        "category": category,
        "note": note,
    }


def _m(text, source, category, note):
    return {
        "text": text,
        "source": source,
        "expect": "misquote",
        "category": category,
        "note": note,
    }


REF = "bracket-referent"
WRONG = "bracket-wrong-referent"
ASIDE = "elision-negated-aside"
COND = "elision-drops-condition"

HANDMADE: list[dict] = [
    # --- a pronoun or short phrase replaced by its referent, named in the same or the previous
    # sentence: what an editor does to make a quote stand alone
    _v(
        "[Autocannon] will use the Node.js executable that is in the path.",
        "nodejs-benchmarks",
        REF,
        "'It' is Autocannon, named in the sentence before",
    ),
    _v(
        "If [wrk] is not available, autocannon will be used in its place.",
        "nodejs-benchmarks",
        REF,
        "'it' is wrk, named in the sentence before",
    ),
    _v(
        "If it is not available, autocannon will be used in [wrk's] place.",
        "nodejs-benchmarks",
        REF,
        "'its' is wrk's, named in the sentence before",
    ),
    _v(
        "[node-gyp] contains a vendored copy of the gyp-next project",
        "node-gyp-readme",
        REF,
        "'It' is node-gyp, named in the sentence before",
    ),
    _v(
        "[The binding.gyp file] gets placed in the root of your package, alongside package.json.",
        "node-gyp-readme",
        REF,
        "'This file' is the binding.gyp file of the sentence before",
    ),
    _v(
        "[Mpmath] has been tested with CPython 2.7, 3.5 through 3.7 and for PyPy.",
        "mpmath-readme",
        REF,
        "'It' is Mpmath, named in the sentence before",
    ),
    _v(
        "[Directed rounding] is implemented heuristically for other operations",
        "mpmath-readme",
        REF,
        "'It' is directed rounding, named in the sentence before",
    ),
    _v(
        "In other words, [a vulnerability] cannot assume that a trusted element (such as the operating "
        "system) has been compromised.",
        "nodejs-security",
        REF,
        "'it' is the vulnerability of the sentence before",
    ),
    _v(
        "Therefore, it is not a vulnerability if [Node.js] accesses/loads files from any path that is "
        "accessible to it.",
        "nodejs-security",
        REF,
        "'it' is Node.js, named in the sentence before",
    ),
    _v(
        "the peer is required to send an acknowledgment that [the peer] has received and applied the "
        "new SETTINGS",
        "nodejs-errors",
        REF,
        "'it' is the peer, named just before in the sentence",
    ),
    _v(
        "It is prudent to pin the nightly version because [the nightly channel] can introduce breaking "
        "changes.",
        "orjson-readme",
        REF,
        "'that channel' is the nightly one, named in the sentence",
    ),
    _v(
        "When I started using Chardet, I noticed that [Chardet] was not suited to my expectations",
        "charset-normalizer-readme",
        REF,
        "'it' is Chardet, named in the clause before",
    ),
    _v(
        "modify and propagate the contents of [the contributor's] contributor version",
        "gpl-3",
        REF,
        "'its' is each contributor's, named at the start of the sentence",
    ),
    _v(
        "alleging that any patent claim is infringed by making, using, selling, offering for sale, or "
        "importing the Program or any portion of [the Program]",
        "gpl-3",
        REF,
        "'it' is the Program, named just before",
    ),
    _v(
        "Except as provided in Section 10.3, no one other than [Mozilla Foundation] has the right to "
        "modify or publish new versions of this License.",
        "mpl-2.0",
        REF,
        "'the license steward' is Mozilla Foundation, named in the sentence before",
    ),
    _v(
        "[Using openat-like syscalls] avoids some race conditions and should be more efficient.",
        "coreutils-news",
        REF,
        "'This' is the use of openat-like syscalls of the sentence before",
    ),
    _v(
        "attempted to cache the path to the found hook without realizing that [the logic] needed to "
        "keep a copied value",
        "git-2.29",
        REF,
        "'it' is the logic, the subject of the sentence",
    ),
    _v(
        'accessing and otherwise using this software ("Python") in source or binary form and '
        "[Python's] associated documentation",
        "python-license",
        REF,
        "'its' is Python's, named just before",
    ),
    _v(
        "then Licensee hereby agrees to include in [the derivative work] a brief summary of the "
        "changes made to Python.",
        "python-license",
        REF,
        "'any such work' is the derivative work named earlier in the sentence",
    ),
    _v(
        "The nomination passes if no collaborators oppose [the nomination]",
        "nodejs-governance",
        REF,
        "'it' is the nomination, the subject of the sentence",
    ),
    _v(
        "If stdin is a terminal, nohup now redirects [stdin] from /dev/null",
        "coreutils-news",
        REF,
        "'it' is stdin, named at the start of the sentence",
    ),
    _v(
        "[The TSC] may also choose to prevent a nomination from advancing if the TSC determines that "
        "any objections have not been adequately addressed.",
        "nodejs-governance",
        REF,
        "the source says 'The TSC' already: a bracket repeating the subject",
    ),
    # --- the same places, the wrong referent: a name that is nearby but is not who "it" is
    _m(
        "If [autocannon] is not available, autocannon will be used in its place.",
        "nodejs-benchmarks",
        WRONG,
        "'it' is wrk, not autocannon",
    ),
    _m(
        "[Chromium] contains a vendored copy of the gyp-next project",
        "node-gyp-readme",
        WRONG,
        "'It' is node-gyp; Chromium is named later, as the project's previous user",
    ),
    _m(
        "[PyPy] has been tested with CPython 2.7, 3.5 through 3.7",
        "mpmath-readme",
        WRONG,
        "'It' is Mpmath; PyPy is what it was tested with",
    ),
    _m(
        "Therefore, it is not a vulnerability if [the file system] accesses/loads files from any path",
        "nodejs-security",
        WRONG,
        "'it' is Node.js, not the file system",
    ),
    _m(
        "I noticed that [charset-normalizer] was not suited to my expectations",
        "charset-normalizer-readme",
        WRONG,
        "'it' is Chardet",
    ),
    _m(
        "no one other than [the Licensor] has the right to modify or publish new versions of this "
        "License.",
        "mpl-2.0",
        WRONG,
        "'the license steward' is Mozilla Foundation",
    ),
    _m(
        "importing the Program or any portion of [this License]",
        "gpl-3",
        WRONG,
        "'it' is the Program",
    ),
    _m(
        "the peer is required to send an acknowledgment that [Node.js] has received and applied the "
        "new SETTINGS",
        "nodejs-errors",
        WRONG,
        "'it' is the peer",
    ),
    _m(
        "It is prudent to pin the nightly version because [the stable channel] can introduce breaking "
        "changes.",
        "orjson-readme",
        WRONG,
        "'that channel' is the nightly one",
    ),
    _m(
        "in source or binary form and [the PSF's] associated documentation",
        "python-license",
        WRONG,
        "'its' is Python's, not the PSF's (named in the same sentence)",
    ),
    _m(
        "[The Licensor] may add Your own copyright statement to Your modifications",
        "apache-2.0",
        WRONG,
        "'You' is the licensee, not the Licensor",
    ),
    _m(
        "The nomination passes if no collaborators oppose [the TSC]",
        "nodejs-governance",
        WRONG,
        "'it' is the nomination",
    ),
    _m(
        "If stdin is a terminal, nohup now redirects [stdout] from /dev/null",
        "coreutils-news",
        WRONG,
        "'it' is stdin",
    ),
    _m(
        "[The nominee] may also choose to prevent a nomination from advancing",
        "nodejs-governance",
        WRONG,
        "the subject is the TSC",
    ),
    # --- elided asides that hold their own negation: the kept sentence keeps its meaning
    _v(
        "If you do not receive an acknowledgement of your report within 6 business days [...] you may "
        "escalate to the OpenJS Foundation CNA",
        "nodejs-security",
        ASIDE,
        "elides ', or if you cannot find a private security contact for the project,': an "
        "alternative condition; the kept condition and its 'not' are intact (issue 8)",
    ),
    _v(
        "expr now exits with status 2 [...] for errors it detects in the expression's values",
        "coreutils-news",
        ASIDE,
        "elides '(not 3)'",
    ),
    _v(
        "Now, the offending usage causes tail to revert to its conventional sleep-based [...] "
        "implementation.",
        "coreutils-news",
        ASIDE,
        "elides '(i.e., not inotify-based)'",
    ),
    _v(
        "nohup now exits with status 127 [...] when given an invalid option.",
        "coreutils-news",
        ASIDE,
        "elides '(not 1)'",
    ),
    _v(
        "'test' now exits with status 2 [...] if there is an error.",
        "coreutils-news",
        ASIDE,
        "elides '(not 1)'",
    ),
    _v(
        "Programs now output trailing 'K' [...] to mean 1024, as per IEC 60027-2.",
        "coreutils-news",
        ASIDE,
        "elides \"(not 'k')\"",
    ),
    _v(
        "The -t '' option [...] is now an error.",
        "coreutils-news",
        ASIDE,
        "elides ', which formerly had no effect,'",
    ),
    _v(
        "du reports proper sizes for directories [...] (broken in 4.5.6 or 4.5.7)",
        "coreutils-news",
        ASIDE,
        "elides '(not zero)'",
    ),
    _v(
        "A new variable, rl_sort_completion_matches; allows applications to inhibit match list "
        "sorting [...].",
        "bash-news",
        ASIDE,
        'elides "(but beware: some things don\'t work right if applications do this)"',
    ),
    _v(
        "New autoconf macro, RL_LIB_READLINE_VERSION, for use by other applications [...].",
        "bash-news",
        ASIDE,
        'elides "(bash doesn\'t use very much of what it returns)"',
    ),
    _v(
        "Added extern declaration for rl_get_termcap to readline.h, making it a public function [...].",
        "bash-news",
        ASIDE,
        "elides '(it was always there, just not in readline.h)'",
    ),
    _v(
        "With few exceptions, Synchronous APIs [...] will use throw to report errors.",
        "nodejs-errors",
        ASIDE,
        "elides the definition '(any blocking method that does not return a {Promise} nor "
        "accept a callback function, such as fs.readFileSync),'",
    ),
    _v(
        "the code now attempts to fetch all the missing objects in batch [...].",
        "git-2.29",
        ASIDE,
        'elides the parenthesis "(obviously this won\'t work for a lazy clone ...)"',
    ),
    # --- elisions that drop a condition holding a negation: the kept words now claim more
    _m(
        "For all EventEmitter objects, [...] the error will be thrown",
        "nodejs-errors",
        COND,
        "elides \"if an 'error' event handler is not provided,\": the kept words say always",
    ),
    _m(
        "If Node.js loads configuration files or runs code by default [...] it is considered a "
        "vulnerability.",
        "nodejs-security",
        COND,
        "elides '(without a specific request from the user), and this is not documented,'",
    ),
    _m(
        "each must display Appropriate Legal Notices; however, [...] your work need not make them do so.",
        "gpl-3",
        COND,
        "elides the condition 'if the Program has interactive interfaces that do not "
        "display Appropriate Legal Notices,'",
    ),
    _m(
        "If you do not receive an acknowledgement of your report within 6 business days, or if you "
        "[...] find a private security contact for the project, you may escalate",
        "nodejs-security",
        "elision-hides-negation",
        "elides 'cannot' from a kept clause",
    ),
    _m(
        "your work [...] make them do so.",
        "gpl-3",
        "elision-hides-negation",
        "elides 'need not' (the source: 'your work need not make them do so')",
    ),
    _m(
        "The TSC may also choose to prevent a nomination from advancing if the TSC determines that any "
        "objections have [...] been adequately addressed.",
        "nodejs-governance",
        "elision-hides-negation",
        "elides 'not'",
    ),
    # --- a bracket that turns a verb into another
    _m(
        "To protect your rights, we need to [allow] others [to deny] you these rights",
        "gpl-3",
        "bracket-verb",
        "'prevent others from denying' turned into '[allow] others [to deny]'",
    ),
    _m(
        "To [encourage] this, the GPL assures that patents cannot be used to render the program "
        "non-free.",
        "gpl-3",
        "bracket-verb",
        "'prevent' turned into '[encourage]'",
    ),
    _m(
        "Fixed bug that [allowed] setacl command [to allow] DisplayName's in ACLs.",
        "gsutil-changes",
        "bracket-verb",
        "'prevented setacl command from allowing' turned into '[allowed] ... [to allow]'",
    ),
    _m(
        "This error is designed to [permit] accidentally overwriting a callback registered from "
        "another module.",
        "nodejs-errors",
        "bracket-verb",
        "'prevent' turned into '[permit]'",
    ),
    # --- a bracket that only adapts a verb's form to the writer's sentence
    _v(
        "[preventing] a nomination from advancing if the TSC determines that any objections have not "
        "been adequately addressed",
        "nodejs-governance",
        "bracket-grammar",
        "'to prevent' as '[preventing]'",
    ),
    _v(
        "[prevents] accidentally overwriting a callback registered from another module",
        "nodejs-errors",
        "bracket-grammar",
        "'to prevent' as '[prevents]'",
    ),
    _v(
        "[redirecting] it from /dev/null to prevent the command from tying up an OpenSSH session",
        "coreutils-news",
        "bracket-grammar",
        "'redirects' as '[redirecting]'",
    ),
    _v(
        "we need [to prevent] others from denying you these rights",
        "gpl-3",
        "bracket-grammar",
        "the source's own 'to prevent' in brackets",
    ),
    # --- numbers in brackets: another value is another fact
    _m(
        "If you do not receive an acknowledgement of your report within [ten] business days",
        "nodejs-security",
        "bracket-number",
        "[ten] for '6'",
    ),
    _m(
        "If you do not receive an acknowledgement of your report within [60] business days",
        "nodejs-security",
        "bracket-number",
        "[60] for '6'",
    ),
]
