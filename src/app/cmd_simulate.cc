#include "app/cmd_simulate.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

namespace adwatch {

int SimulateCommand(const sim::SimOptions& options, const std::string& out_path,
                    std::ostream& err) {
  if (!sim::ValidateSimOptions(options, err)) return 2;
  if (out_path.empty()) {
    err << "adwatch simulate: --out is required\n";
    return 2;
  }
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (out_path != "-") {
    file.open(out_path, std::ios::binary | std::ios::trunc);
    if (!file) {
      err << "adwatch simulate: cannot open " << out_path << ": " << std::strerror(errno) << "\n";
      return 1;
    }
    out = &file;
  }
  std::int64_t lines = 0;
  bool ok = sim::WriteSimulation(options, *out, &lines, err);
  if (file.is_open()) {
    file.close();
    ok = ok && !file.fail();
  }
  if (!ok) {
    err << "adwatch simulate: writing " << out_path << " failed\n";
    return 1;
  }
  err << "level=info msg=\"simulation written\" scenario=" << options.scenario
      << " seed=" << options.seed << " ads=" << options.ads << " lines=" << lines << " out=\""
      << out_path << "\"\n";
  return 0;
}

}  // namespace adwatch
