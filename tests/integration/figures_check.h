// The one comparison of exported figures with the oracle, shared by the end-to-end and the
// fault tests: every spend figure (campaign-to-date, windows, theme windows, every bound),
// open-ended ads and corrections, exactly in pence. Test-only (uses GoogleTest assertions).
#pragma once

#include <vector>

#include "config/config.h"
#include "stream_generator.h"
#include "test_support.h"

namespace adwatch::testing {

/// Adds up the samples of several scrapes (Prometheus' sum over instances): a series absent from
/// one scrape contributes nothing there.
Samples SumSamples(const std::vector<Samples>& scrapes);

/// EXPECTs every figure in `s` (one scrape, or the sum of several) to equal `expected` exactly;
/// a missing series is a failure. Also expects some campaign-to-date spend (the stream really
/// spent something). Does not check the watermark (not additive: compare it per instance).
void ExpectFiguresEqualOracle(const Config& config, const Samples& s, const Expected& expected);

}  // namespace adwatch::testing
