// `adwatch check-config FILE`: validates a config file and reports every problem (SPEC §1, §5).
#pragma once

#include <ostream>
#include <string>

namespace adwatch {

/// Loads and validates `path`, including compiling its theme phrases. Every problem goes to
/// `err`, one line each, as `file:line: key: message`; returns 2 when there is any. Otherwise
/// prints one summary line to `out` (`FILE: ok: N entities, M themes, K windows`) and returns 0.
int CheckConfigCommand(const std::string& path, std::ostream& out, std::ostream& err);

}  // namespace adwatch
