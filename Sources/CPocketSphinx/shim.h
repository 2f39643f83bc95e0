// Thin shim over pocketsphinx 0.8 "5prealpha" and sphinxbase (Debian 12): the headers Facet uses,
// plus the one call that does not import into Swift as declared.
//
// The decoder's configuration is normally built with the variadic `cmd_ln_init`, which Swift cannot
// call; `facet_ps_config` parses the same "-name value" pairs from an argument vector instead.
#ifndef FACET_CPOCKETSPHINX_SHIM_H
#define FACET_CPOCKETSPHINX_SHIM_H

#include <pocketsphinx.h>
#include <sphinxbase/ckd_alloc.h>
#include <sphinxbase/cmd_ln.h>
#include <sphinxbase/err.h>

/// A decoder configuration from `count` strings "-name", "value", "-name", "value", … checked
/// against pocketsphinx's argument table (unknown names fail). The strings are copied. Returns
/// NULL when a name is unknown or a value does not parse; free the result with `cmd_ln_free_r`.
static inline cmd_ln_t *facet_ps_config(int32 count, const char *const *pairs) {
    return cmd_ln_parse_r(NULL, ps_args(), count, (char **)pairs, TRUE);
}

#endif
