// `GET /api/v1/ads?format=csv`: a page of listed ads as RFC 4180 CSV for casework in a
// spreadsheet. A header row, then one row per ad: registry, ad_id, party, state, page_name,
// bylines, first_seen, last_seen, spend_lower_pence, spend_upper_pence (empty when open-ended or
// never reported), themes (`;`-separated). Lines end in CRLF. Text cells are formula-injection
// safe: a cell starting with `=`, `+`, `-`, `@`, TAB or CR gets a leading `'` so that a
// spreadsheet shows it as text instead of evaluating it. Pure function; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "state/partition_state.h"

namespace adwatch {

/// The CSV text of `ads`; `entity_names` by slot (unattributed last), `theme_names` by bit.
std::string AdsCsv(const std::vector<AdListing>& ads, const std::vector<std::string>& entity_names,
                   const std::vector<std::string>& theme_names);

/// One text cell: formula-injection safe, then quoted as RFC 4180 needs.
std::string SafeCsvCell(const std::string& value);

}  // namespace adwatch
