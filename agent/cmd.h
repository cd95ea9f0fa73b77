/* cmd.h: the commands that wire modules together for the courier: enroll, sync, status and
 * config. Each prints for a person and returns an agent exit code (agent.h). */
#ifndef AGENT_CMD_H
#define AGENT_CMD_H

struct agent;

/* `enroll`: exchange CODE for a credential at URL, trusting the server whose key matches PIN;
 * store the credential (0600) and the server and pin in the config. */
int cmd_enroll(struct agent *ag, const char *url, const char *pin, const char *code,
               const char *device_name);

/* `sync`: push the outbox and pull appointment changes once. */
int cmd_sync(struct agent *ag, int json);

/* `status`: events waiting, last sync, last error and the GPS state. */
int cmd_status(struct agent *ag, int json);

/* `config`: print the effective configuration, the SAMPLE, or only CHECK it; SET "NAME=VALUE"
 * (may be NULL) changes one setting and saves the file. */
int cmd_config(struct agent *ag, int sample, int check, const char *set);

#endif
