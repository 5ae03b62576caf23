/*
 * The machine a run happened on, as GB's "context" describes it: date,
 * host, CPU count and clock, caches, load, and whether frequency scaling
 * may have disturbed the timings.  Everything comes from Linux's /sys and
 * /proc; what a system does not expose is left at zero rather than
 * guessed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness_internal.h"

/* First line of a small text file, without its newline; 0 on success. */
static int read_line(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char *got = fgets(buf, (int)size, f);
    fclose(f);
    if (got == NULL)
        return -1;
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

/* GB's format: 2026-11-22T22:50:00+00:00 (strftime's %z lacks the colon). */
static void format_date(char *buf, size_t size)
{
    time_t now = time(NULL);
    struct tm local;
    char zone[8] = "+0000";
    buf[0] = '\0';
    if (localtime_r(&now, &local) == NULL)
        return;
    size_t len = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &local);
    if (strftime(zone, sizeof zone, "%z", &local) != 5)
        strcpy(zone, "+0000");
    snprintf(buf + len, size - len, "%.3s:%.2s", zone, zone + 3);
}

/* Nominal clock in MHz: what GB reads, in GB's order of preference. */
static double cpu_mhz(void)
{
    static const char *const khz_files[] = {
        "/sys/devices/system/cpu/cpu0/tsc_freq_khz",
        "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq",
    };
    char line[256];
    for (size_t i = 0; i < sizeof khz_files / sizeof khz_files[0]; i++) {
        if (read_line(khz_files[i], line, sizeof line) == 0 && atof(line) > 0)
            return atof(line) / 1000.0;
    }
    FILE *f = fopen("/proc/cpuinfo", "r");
    double mhz = 0;
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f) != NULL) {
        char *colon = strchr(line, ':');
        if (colon != NULL && strncmp(line, "cpu MHz", 7) == 0) {
            mhz = atof(colon + 1);
            break;
        }
    }
    fclose(f);
    return mhz;
}

/* Scaling counts as enabled when some CPU's governor is not "performance". */
static int cpu_scaling_enabled(int num_cpus)
{
    for (int cpu = 0; cpu < num_cpus; cpu++) {
        char path[96], governor[64];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor",
                 cpu);
        if (read_line(path, governor, sizeof governor) == 0 &&
            strcmp(governor, "performance") != 0)
            return 1;
    }
    return 0;
}

/* "48K" -> 49152 (sysfs uses binary K/M/G). */
static long long parse_cache_size(const char *text)
{
    char *end;
    long long size = strtoll(text, &end, 10);
    switch (*end) {
    case 'K': return size << 10;
    case 'M': return size << 20;
    case 'G': return size << 30;
    default: return size;
    }
}

/* CPUs in a sysfs hex mask such as "00000000,00000003". */
static int count_mask_bits(const char *mask)
{
    int bits = 0;
    for (const char *p = mask; *p; p++) {
        int nibble;
        if (*p >= '0' && *p <= '9')
            nibble = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            nibble = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F')
            nibble = *p - 'A' + 10;
        else
            continue;
        for (; nibble; nibble &= nibble - 1)
            bits++;
    }
    return bits;
}

static void read_caches(bench_context *ctx)
{
    for (int i = 0; ctx->ncaches < BENCH_MAX_CACHES; i++) {
        char dir[80], path[128], line[256];
        bench_cache *c = &ctx->caches[ctx->ncaches];
        snprintf(dir, sizeof dir, "/sys/devices/system/cpu/cpu0/cache/index%d", i);
        snprintf(path, sizeof path, "%s/type", dir);
        if (read_line(path, line, sizeof line) != 0)
            break;
        snprintf(c->type, sizeof c->type, "%.15s", line);
        snprintf(path, sizeof path, "%s/level", dir);
        c->level = read_line(path, line, sizeof line) == 0 ? atoi(line) : 0;
        snprintf(path, sizeof path, "%s/size", dir);
        c->size = read_line(path, line, sizeof line) == 0 ? parse_cache_size(line) : 0;
        snprintf(path, sizeof path, "%s/shared_cpu_map", dir);
        c->num_sharing = read_line(path, line, sizeof line) == 0 ? count_mask_bits(line) : 0;
        ctx->ncaches++;
    }
}

static void read_load_avg(double load[3])
{
    char line[256];
    load[0] = load[1] = load[2] = 0;
    if (read_line("/proc/loadavg", line, sizeof line) == 0 &&
        sscanf(line, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
        load[0] = load[1] = load[2] = 0;
}

void bench_context_collect(bench_context *ctx, const char *executable)
{
    memset(ctx, 0, sizeof *ctx);
    format_date(ctx->date, sizeof ctx->date);
    if (gethostname(ctx->host_name, sizeof ctx->host_name) != 0)
        ctx->host_name[0] = '\0';
    ctx->host_name[sizeof ctx->host_name - 1] = '\0';
    ctx->executable = executable;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    ctx->num_cpus = cpus > 0 ? (int)cpus : 1;
    ctx->mhz_per_cpu = cpu_mhz();
    ctx->cpu_scaling_enabled = cpu_scaling_enabled(ctx->num_cpus);
    read_caches(ctx);
    read_load_avg(ctx->load_avg);
}
