#include "app/cmd_check_config.h"

#include <exception>

#include "config/config.h"
#include "enrich/theme_classifier.h"

namespace adwatch {

int CheckConfigCommand(const std::string& path, std::ostream& out, std::ostream& err) {
  const ConfigResult result = LoadConfigFile(path);
  if (!result.ok()) {
    for (const ConfigProblem& problem : result.problems) err << problem.ToString() << '\n';
    return 2;
  }
  try {
    const ThemeClassifier classifier(result.config.themes);
  } catch (const ThemeRuleError& e) {
    err << ConfigProblem{path, e.line(), e.key(), e.what()}.ToString() << '\n';
    return 2;
  } catch (const std::exception& e) {
    err << ConfigProblem{path, 0, "themes", e.what()}.ToString() << '\n';
    return 2;
  }
  const Config& c = result.config;
  out << path << ": ok: " << c.entities.size() << " entities, " << c.themes.size() << " themes, "
      << c.windows.size() << " windows\n";
  return 0;
}

}  // namespace adwatch
