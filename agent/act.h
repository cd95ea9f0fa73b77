/* act.h: recording an act at the door (arrive, collect, deliver, fail) as an event with a
 * GPS stamp, durable in the outbox before the command reports success. */
#ifndef AGENT_ACT_H
#define AGENT_ACT_H

#include <stdint.h>

#include "model.h"
#include "agent/stamp.h"
#include "agent/view.h"

#define ACT_FILE_MAX (32L << 20)  /* largest signature or photo kept, bytes */
#define ACT_FILES_DIR "files"
#define ACT_POKE_FILE "poke"      /* FIFO the daemon reads: "an act was recorded, sync soon" */
#define ACT_WHY_MAX 96

struct agent;

/* The command line of one act. Unset strings are NULL; unset numbers -1. */
struct act_args {
	enum model_event_type type;
	const char *appt;               /* dossier code or stop number */
	int documents;                  /* collect */
	int64_t fee_vnd;                /* collect */
	const char *recipient;          /* deliver */
	enum model_relation relation;   /* deliver */
	const char *id_last4;           /* deliver */
	const char *signature, *photo;  /* deliver: files to keep */
	enum model_fail_reason reason;  /* fail */
	const char *note;               /* fail */
	int json;                       /* print the stored event as JSON */
};

/* Where the GPS data of act_gps() came from, for `status`. */
struct act_gpsinfo {
	int daemon;                     /* 1: read from a running daemon's view */
	long daemon_pid;
	enum view_gpsd gpsd;            /* reachable, silent or unreachable */
	int last_mode;                  /* mode of the latest report; 0 unknown */
};

/* The GPS an act would get now: OUT: IN (for stamp_make), *LIVE (a fresh fix read from gpsd
 * by this process, to keep as the last known fix; valid = 0 otherwise) and WHY (ACT_WHY_MAX,
 * "" when live). APPT_LAT/LON may be NaN. Never blocks longer than gps_wait_ms. */
void act_gps(struct agent *ag, double appt_lat, double appt_lon, struct stamp_input *in,
             struct stamp_fix *live, char *why, struct act_gpsinfo *info);

/* Record the act A. Prints what was recorded (with the GPS source and warnings) and returns
 * an agent exit code. */
int act_record(struct agent *ag, const struct act_args *a);

/* Check the act-specific arguments of A (relation, id digits, lengths). Returns NULL when
 * fine, else a static message. */
const char *act_check(const struct act_args *a);

#endif
