/* The learning-rate schedule flags (cli.h): --schedule NAME, torch's
 * schedules (descent_schedule.h) or the first names of `descent train`,
 * and each schedule argument as a flag with torch's name (--T_max X). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* The first schedule names of `descent train`, kept as the torch schedules
 * they are (with their defaults, cli_schedule_args). */
static const struct legacy_schedule {
    const char *name, *torch;
} legacy[] = {
    {"step", "step_lr"}, {"exponential", "exponential_lr"}, {"cosine", "cosine_annealing_lr"}};

int cli_schedule_select(cli_schedule *s, const char *flag, const char *name)
{
    s->name = name, s->torch = NULL;
    for (size_t k = 0; k < sizeof legacy / sizeof legacy[0]; k++)
        if (!strcmp(name, legacy[k].name))
            s->torch = legacy[k].torch;
    for (int k = 0; k < descent_schedule_count(); k++)
        if (!strcmp(name, descent_schedule_name(k)))
            s->torch = name;
    if (!s->torch)
        cli_error("%s: unknown schedule '%s' (expected step, exponential, cosine or a torch "
                  "name: see --help)", flag, name);
    return s->torch != NULL;
}

const char *cli_schedule_key_of(const char *arg)
{
    for (int s = 0; s < descent_schedule_count(); s++) {
        const char *const *keys = descent_schedule_keys(descent_schedule_name(s));
        for (int k = 0; keys && keys[k]; k++)
            if (!strncmp(arg, "--", 2) && cli_is_flag(arg + 2, keys[k]))
                return keys[k];
    }
    return NULL;
}

int cli_schedule_add(cli_schedule *s, const char *flag, const char *key, const char *value)
{
    int k = 0;
    while (k < s->n_keys && strcmp(s->key[k], key))
        k++;
    if (k == CLI_SCHEDULE_KEYS) {
        cli_error("--%s: too many schedule arguments", key);
        return 0;
    }
    if (!flag) {
        snprintf(s->flag_names[k], sizeof s->flag_names[k], "--%s", key);
        flag = s->flag_names[k];
    }
    s->n_keys += k == s->n_keys;
    s->key[k] = key, s->flag[k] = flag, s->value[k] = value;
    return 1;
}

int cli_schedule_check(const cli_schedule *s)
{
    const char *const *keys = descent_schedule_keys(s->torch);
    for (int k = 0; k < s->n_keys; k++) {
        int found = 0;
        for (int j = 0; keys && keys[j]; j++)
            found |= !strcmp(keys[j], s->key[k]);
        if (found)
            continue;
        char list[512] = ""; /* the schedules that have it */
        for (int n = 0; n < descent_schedule_count(); n++) {
            const char *const *others = descent_schedule_keys(descent_schedule_name(n));
            for (int j = 0; others && others[j]; j++)
                if (!strcmp(others[j], s->key[k]))
                    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                             *list ? ", " : "", descent_schedule_name(n));
        }
        cli_error("%s applies to --schedule %s", s->flag[k], list);
        return 0;
    }
    return 1;
}

const char *cli_schedule_args(cli_schedule *s, long planned_epochs)
{
    char *a = s->args;
    const size_t size = sizeof s->args;
    a[0] = '\0';
    for (int k = 0; k < s->n_keys; k++)
        snprintf(a + strlen(a), size - strlen(a), "%s=%s ", s->key[k], s->value[k]);
    if (!strcmp(s->name, "step") && !strstr(a, "step_size="))
        snprintf(a + strlen(a), size - strlen(a), "step_size=%ld ",
                 planned_epochs >= 3 ? planned_epochs / 3 : 1);
    if (!strcmp(s->name, "exponential") && !strstr(a, "gamma="))
        snprintf(a + strlen(a), size - strlen(a), "gamma=0.9");
    return a;
}

void cli_print_schedules(FILE *out)
{
    for (int s = 1; s < descent_schedule_count(); s++) {
        fprintf(out, "    %-30s", descent_schedule_name(s));
        const char *const *keys = descent_schedule_keys(descent_schedule_name(s));
        for (int k = 0; keys && keys[k]; k++)
            fprintf(out, " --%s X", keys[k]);
        fprintf(out, "\n");
    }
}
