// The plugin ABI is a header-only contract; this file gives the C target something to compile.
#include "facet_plugin.h"
