/*
 * old_plugin.c — a plugin as a third party would have written it against the first release of
 * the plugin ABI (API 1, minor 0), compiled against the frozen copy of that header beside it and
 * nothing else. PluginABIFixtureTests builds it with `cc -shared -fPIC` and loads it into
 * today's host, which holds the compatibility promise of facet_plugin.h true: a 1.0 table (no
 * identity fields, the first release's struct_size) loads and runs in every host of version 1.
 *
 * The one effect, org.facet.test.old-roll, adds a fixed roll of "degrees" (a number parameter)
 * to every face in every frame, and warns once with how many frames it changed. It edits the
 * motion JSON as text: every number after a "roll" key is replaced by itself plus the angle in
 * radians. That is enough for the motion the host writes (SceneMotion, where only
 * coefficients.pose has a "roll" key) and keeps the fixture free of a JSON library.
 *
 * Build with -DOLD_PLUGIN_API_VERSION=2 for a table that claims another major version, which a
 * host of version 1 must refuse naming both versions.
 */
#include "facet_plugin.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pi, spelt out: M_PI is not standard C. */
#define OLD_PLUGIN_PI 3.14159265358979323846

#ifndef OLD_PLUGIN_API_VERSION
#define OLD_PLUGIN_API_VERSION FACET_PLUGIN_API_VERSION
#endif

/* The descriptor in the JSON form of the first release (an EffectDescriptor). */
static const char descriptor_json[] =
    "{\"id\":\"org.facet.test.old-roll\","
    "\"version\":{\"major\":1,\"minor\":0,\"patch\":0},"
    "\"summary\":\"Adds a fixed roll to every face (a plugin built against ABI 1.0).\","
    "\"parameters\":[{\"name\":\"degrees\",\"type\":{\"name\":\"number\"},\"defaultValue\":{\"number\":5},"
    "\"minimum\":-45,\"maximum\":45,\"unit\":\"deg\",\"documentation\":\"The roll added, counter-clockwise.\"}],"
    "\"temporalAccess\":{\"kind\":\"perFrame\"},\"inputs\":[]}";

typedef struct OldRoll {
    double radians;
} OldRoll;

static char *copy_text(const char *text) {
    size_t length = strlen(text);
    char *copy = malloc(length + 1);
    if (copy) memcpy(copy, text, length + 1);
    return copy;
}

static const char *old_describe(int32_t effect_index) {
    return effect_index == 0 ? descriptor_json : NULL;
}

/* The value of "degrees" in {"degrees": {"number": 10}, ...}; the host always sends it. */
static int read_degrees(const char *json, double *degrees) {
    const char *key = json ? strstr(json, "\"degrees\"") : NULL;
    const char *number = key ? strstr(key, "\"number\"") : NULL;
    if (!number) return 0;
    const char *colon = strchr(number + strlen("\"number\""), ':');
    if (!colon) return 0;
    char *end = NULL;
    *degrees = strtod(colon + 1, &end);
    return end != colon + 1;
}

static void *old_create(int32_t effect_index, const char *parameters_json, char **error_out) {
    double degrees = 0;
    if (effect_index != 0) {
        if (error_out) *error_out = copy_text("old-roll has one effect; expected index 0");
        return NULL;
    }
    if (!read_degrees(parameters_json, &degrees)) {
        if (error_out) *error_out = copy_text("old-roll found no \"degrees\" number in its parameters");
        return NULL;
    }
    OldRoll *instance = malloc(sizeof(OldRoll));
    if (!instance) {
        if (error_out) *error_out = copy_text("old-roll is out of memory");
        return NULL;
    }
    instance->radians = degrees * OLD_PLUGIN_PI / 180.0;
    return instance;
}

static int32_t old_process(void *instance, const char *motion_json, const FacetHostContext *context, char **motion_out,
                           char **error_out) {
    const OldRoll *roll = instance;
    if (!roll || !motion_json) {
        if (error_out) *error_out = copy_text("old-roll needs an instance and motion; got a null pointer");
        return 1;
    }
    /* Every replaced number grows by at most 32 characters. */
    size_t length = strlen(motion_json), frames = 0;
    for (const char *at = motion_json; (at = strstr(at, "\"roll\"")) != NULL; at += 6) frames++;
    char *out = malloc(length + 32 * frames + 1);
    if (!out) {
        if (error_out) *error_out = copy_text("old-roll is out of memory");
        return 1;
    }
    const char *in = motion_json;
    char *write = out;
    frames = 0;
    for (;;) {
        const char *key = strstr(in, "\"roll\"");
        if (!key) break;
        const char *value = key + 6;
        while (isspace((unsigned char)*value)) value++;
        if (*value != ':') {
            /* "roll" as a string value, not a key: copy it and go on. */
            memcpy(write, in, (size_t)(value - in));
            write += value - in;
            in = value;
            continue;
        }
        value++;
        while (isspace((unsigned char)*value)) value++;
        memcpy(write, in, (size_t)(value - in));
        write += value - in;
        char *end = NULL;
        double angle = strtod(value, &end);
        if (end == value) {
            free(out);
            if (error_out) *error_out = copy_text("old-roll found a \"roll\" that is not a number");
            return 1;
        }
        write += sprintf(write, "%.9g", angle + roll->radians);
        in = end;
        frames++;
    }
    strcpy(write, in);
    /* The first release's context ends with warn: read it only when the host's covers it. */
    if (context && context->struct_size >= sizeof(FacetHostContext) && context->warn) {
        char message[128];
        snprintf(message, sizeof message, "added %.3g rad of roll to %zu face frames", roll->radians, frames);
        context->warn(context->host_data, message);
    }
    *motion_out = out;
    return 0;
}

static void old_destroy(void *instance) {
    free(instance);
}

static void old_free_string(char *string) {
    free(string);
}

/* The first release's table: eight fields, no plugin_id, plugin_version or api_minor. */
static const FacetPluginAPI table = {
    .api_version = OLD_PLUGIN_API_VERSION,
    .struct_size = sizeof(FacetPluginAPI),
    .effect_count = 1,
    .describe = old_describe,
    .create = old_create,
    .process = old_process,
    .destroy = old_destroy,
    .free_string = old_free_string,
};

const FacetPluginAPI *facet_plugin_entry(uint32_t host_api_version) {
    /* A plugin of the first release serves hosts of its own version; the variant built with
     * another version answers every host, so that the host's own check is what refuses it. */
    if (OLD_PLUGIN_API_VERSION == FACET_PLUGIN_API_VERSION && host_api_version != FACET_PLUGIN_API_VERSION) return NULL;
    return &table;
}
