// Hyperscan's C API, included with its warnings silenced (third-party header).
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wpedantic"
#include <hs/hs.h>
#pragma GCC diagnostic pop
