/* peer.h: a client's address as the front end sees it: printed for logs. */
#ifndef DS_PEER_H
#define DS_PEER_H

#include <stddef.h>
#include <sys/socket.h>

/* Room for "[ipv6]:port" and its NUL. */
#define PEER_TEXT_MAX 64

/* Write "ip:port" (or "[ip6]:port", or "?" for another family) of SA into OUT (size
 * OUT_LEN), truncated to fit. */
void peer_format(const struct sockaddr *sa, char *out, size_t out_len);

#endif
