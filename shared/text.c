/* text.c: hand-written because no Debian C library folds Vietnamese without pulling in ICU;
 * the table covers the letters Vietnamese uses (Latin-1, ă đ ĩ ũ ơ ư and the Latin Extended
 * Additional block U+1EA0-U+1EF9), which is what names and addresses here contain. */
#include <string.h>

#include "text.h"

/* Base letters of U+00C0..U+00FF. */
static const char text_latin1[] =
	"aaaaaaaceeeeiiiidnoooooxouuuuyts"
	"aaaaaaaceeeeiiiidnooooo/ouuuuyty";

/* Decode one code point at S (LEN bytes left); returns its length or 0 when malformed. */
static size_t text_decode(const unsigned char *s, size_t len, unsigned *cp)
{
	size_t n, i;
	unsigned c = s[0], min;

	if (c < 0x80) {
		*cp = c;
		return c ? 1 : 0;
	}
	if ((c & 0xE0) == 0xC0) { n = 2; c &= 0x1F; min = 0x80; }
	else if ((c & 0xF0) == 0xE0) { n = 3; c &= 0x0F; min = 0x800; }
	else if ((c & 0xF8) == 0xF0) { n = 4; c &= 0x07; min = 0x10000; }
	else return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

bool text_valid_utf8(const char *s, size_t len)
{
	size_t i = 0, n;
	unsigned cp;

	while (i < len) {
		/* Most text is ASCII (codes, times, hashes): skip it without decoding. */
		if ((unsigned char)s[i] - 1u < 0x7Fu) {
			i++;
			continue;
		}
		n = text_decode((const unsigned char *)s + i, len - i, &cp);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

/* The base ASCII letter of CP, 0 to drop it (combining marks), or -1 to keep it as is. */
static int text_base(unsigned cp)
{
	if (cp < 0x80)
		return (cp >= 'A' && cp <= 'Z') ? (int)(cp + 32) : (int)cp;
	if (cp >= 0x300 && cp <= 0x36F)
		return 0;
	if (cp >= 0xC0 && cp <= 0xFF)
		return text_latin1[cp - 0xC0];
	switch (cp) {
	case 0x102: case 0x103: return 'a';
	case 0x110: case 0x111: return 'd';
	case 0x128: case 0x129: return 'i';
	case 0x168: case 0x169: return 'u';
	case 0x1A0: case 0x1A1: return 'o';
	case 0x1AF: case 0x1B0: return 'u';
	default: break;
	}
	if (cp >= 0x1EA0 && cp <= 0x1EB7) return 'a';
	if (cp >= 0x1EB8 && cp <= 0x1EC7) return 'e';
	if (cp >= 0x1EC8 && cp <= 0x1ECB) return 'i';
	if (cp >= 0x1ECC && cp <= 0x1EE3) return 'o';
	if (cp >= 0x1EE4 && cp <= 0x1EF1) return 'u';
	if (cp >= 0x1EF2 && cp <= 0x1EF9) return 'y';
	return -1;
}

static int text_is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

enum ds_err text_fold(const char *in, char *out, size_t out_len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t len = strlen(in), i = 0, o = 0, n, need;
	unsigned cp;
	int b, space = 0;

	if (out_len == 0)
		return DS_ETOOBIG;
	while (i < len) {
		n = text_decode(s + i, len - i, &cp);
		if (n == 0)
			return DS_EINVAL;
		b = text_base(cp);
		if (b > 0 && text_is_space(b)) {
			/* Written only before the next kept character: no leading or trailing
			 * space, and no room needed for one that is never written. */
			space = o > 0;
		} else if (b != 0) {
			need = (size_t)space + (b > 0 ? 1 : n);
			if (o + need >= out_len)
				return DS_ETOOBIG;
			if (space)
				out[o++] = ' ';
			space = 0;
			if (b > 0) {
				out[o++] = (char)b;
			} else {
				memcpy(out + o, s + i, n);
				o += n;
			}
		}
		i += n;
	}
	out[o] = '\0';
	return DS_OK;
}

bool text_match(const char *haystack, const char *needle)
{
	char h[TEXT_MAX_FOLD], n[TEXT_MAX_FOLD];

	if (haystack == NULL || needle == NULL)
		return false;
	if (text_fold(haystack, h, sizeof h) != DS_OK || text_fold(needle, n, sizeof n) != DS_OK)
		return false;
	return strstr(h, n) != NULL;
}

/* Escape sequences (ECMA-48). INTRO is the byte after ESC (or the 7-bit form of a C1
 * control) and S[I..) what follows it: '[' opens a control sequence ended by a byte in
 * 0x40..0x7E; ']', 'P', 'X', '^' and '_' open a control string ended by BEL or ST (ESC \ or
 * U+009C). Returns where the sequence ends in S, LEN when it is unterminated, so no part of
 * it is ever printed. */
static size_t text_sequence_end(const unsigned char *s, size_t len, unsigned char intro, size_t i)
{
	if (intro == '[') {
		while (i < len && (s[i] < 0x40 || s[i] > 0x7E))
			i++;
		return i < len ? i + 1 : len;
	}
	for (; i < len; i++) {
		if (s[i] == 0x07)
			return i + 1;
		if (s[i] == 0x1B && i + 1 < len && s[i + 1] == '\\')
			return i + 2;
		if (s[i] == 0xC2 && i + 1 < len && s[i + 1] == 0x9C)
			return i + 2;
	}
	return len;
}

/* Length of the control character or sequence at S (LEN bytes left), 0 when S starts with
 * printable text. Other escapes are ESC, intermediates 0x20..0x2F and one final byte. */
static size_t text_control_len(const unsigned char *s, size_t len)
{
	unsigned char c = s[0], intro;
	size_t i = 1;

	if (c == 0x1B) {
		if (len < 2)
			return len;
		if (strchr("[]PX^_", s[1]) != NULL)
			return text_sequence_end(s, len, s[1], 2);
		while (i < len && s[i] >= 0x20 && s[i] <= 0x2F)
			i++;
		return i < len ? i + 1 : len;
	}
	if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F)
		return 1;
	if (c != 0xC2 || len < 2 || s[1] < 0x80 || s[1] > 0x9F)
		return 0;
	intro = (unsigned char)(s[1] - 0x40);  /* U+009B is CSI, ESC [ in 7 bits */
	return strchr("[]PX^_", intro) != NULL ? text_sequence_end(s, len, intro, 2) : 2;
}

bool text_terminal(const char *in, char *out, size_t out_len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t len = strlen(in), i = 0, o = 0, n;
	unsigned cp;

	while (i < len) {
		if ((n = text_control_len(s + i, len - i)) > 0) {
			i += n;
			continue;
		}
		n = text_decode(s + i, len - i, &cp);
		if (o + (n ? n : 1) >= out_len) {
			out[o] = '\0';
			return false;
		}
		if (n == 0) {
			out[o++] = '?';
			n = 1;
		} else {
			memcpy(out + o, s + i, n);
			o += n;
		}
		i += n;
	}
	out[o] = '\0';
	return true;
}
