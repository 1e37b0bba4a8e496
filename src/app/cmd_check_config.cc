#include "app/cmd_check_config.h"

#include "config/config.h"
#include "enrich/theme_classifier.h"

namespace adwatch {

int CheckConfigCommand(const std::string& path, std::ostream& out, std::ostream& err) {
  const ConfigResult result = LoadConfigFile(path);
  if (!result.ok()) {
    for (const ConfigProblem& problem : result.problems) err << problem.ToString() << '\n';
    return 2;
  }
  if (auto problem = CheckThemeRules(result.config.themes, path)) {
    err << problem->ToString() << '\n';
    return 2;
  }
  const Config& c = result.config;
  out << path << ": ok: " << c.entities.size() << " entities, " << c.themes.size() << " themes, "
      << c.windows.size() << " windows\n";
  return 0;
}

}  // namespace adwatch
