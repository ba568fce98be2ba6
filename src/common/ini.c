/* ini: ConfigParser-compatible reader (see ini.h). Owns line splitting,
 * comment stripping, continuation lines, section/key bookkeeping and the
 * exact Python error texts, including where a UTF-8 error surfaces.
 * Knows nothing of Supervisor options; config.c interprets the result. */
#include "ini.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wctype.h>

#include "buf.h"
#include "xalloc.h"

/* ---- Python text helpers ---------------------------------------------- */

/* Detach and make sure b holds nothing. */
static char *buf_take(struct buf *b)
{
    char *d = buf_detach(b);
    buf_release(b);
    return d;
}

int ini_utf8_char(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    if (n == 0)
        return 0;
    unsigned c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    int len;
    uint32_t v;
    unsigned lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        v = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        v = c & 0x0f;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        v = c & 0x07;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (n < (size_t)len)
        return 0;
    for (int i = 1; i < len; i++) {
        unsigned b = p[i];
        if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xbf))
            return 0;
        v = (v << 6) | (b & 0x3f);
    }
    *cp = v;
    return len;
}

bool ini_py_isspace(uint32_t c)
{
    if (c < 0x80)
        return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20);
    return c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
           c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

size_t ini_py_lspace(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        int l = ini_utf8_char(s + i, n - i, &cp);
        if (l == 0 || !ini_py_isspace(cp))
            break;
        i += (size_t)l;
    }
    return i;
}

size_t ini_py_rstrip(const char *s, size_t n)
{
    while (n > 0) {
        size_t start = n - 1; /* back up to the lead byte of the last char */
        while (start > 0 && n - start < 4 && ((unsigned char)s[start] & 0xc0) == 0x80)
            start--;
        uint32_t cp;
        int l = ini_utf8_char(s + start, n - start, &cp);
        if (l == 0 || (size_t)l != n - start || !ini_py_isspace(cp))
            break;
        n = start;
    }
    return n;
}

/* Code points >= 0x80 for which str.isprintable() is false (Unicode 14,
 * as in Python 3.11), generated from Python itself. */
static const uint32_t nonprint[][2] = {
    {0x80, 0xa0}, {0xad, 0xad}, {0x378, 0x379}, {0x380, 0x383}, {0x38b, 0x38b}, {0x38d, 0x38d},
    {0x3a2, 0x3a2}, {0x530, 0x530}, {0x557, 0x558}, {0x58b, 0x58c}, {0x590, 0x590},
    {0x5c8, 0x5cf}, {0x5eb, 0x5ee}, {0x5f5, 0x605}, {0x61c, 0x61c}, {0x6dd, 0x6dd},
    {0x70e, 0x70f}, {0x74b, 0x74c}, {0x7b2, 0x7bf}, {0x7fb, 0x7fc}, {0x82e, 0x82f},
    {0x83f, 0x83f}, {0x85c, 0x85d}, {0x85f, 0x85f}, {0x86b, 0x86f}, {0x88f, 0x897},
    {0x8e2, 0x8e2}, {0x984, 0x984}, {0x98d, 0x98e}, {0x991, 0x992}, {0x9a9, 0x9a9},
    {0x9b1, 0x9b1}, {0x9b3, 0x9b5}, {0x9ba, 0x9bb}, {0x9c5, 0x9c6}, {0x9c9, 0x9ca},
    {0x9cf, 0x9d6}, {0x9d8, 0x9db}, {0x9de, 0x9de}, {0x9e4, 0x9e5}, {0x9ff, 0xa00},
    {0xa04, 0xa04}, {0xa0b, 0xa0e}, {0xa11, 0xa12}, {0xa29, 0xa29}, {0xa31, 0xa31},
    {0xa34, 0xa34}, {0xa37, 0xa37}, {0xa3a, 0xa3b}, {0xa3d, 0xa3d}, {0xa43, 0xa46},
    {0xa49, 0xa4a}, {0xa4e, 0xa50}, {0xa52, 0xa58}, {0xa5d, 0xa5d}, {0xa5f, 0xa65},
    {0xa77, 0xa80}, {0xa84, 0xa84}, {0xa8e, 0xa8e}, {0xa92, 0xa92}, {0xaa9, 0xaa9},
    {0xab1, 0xab1}, {0xab4, 0xab4}, {0xaba, 0xabb}, {0xac6, 0xac6}, {0xaca, 0xaca},
    {0xace, 0xacf}, {0xad1, 0xadf}, {0xae4, 0xae5}, {0xaf2, 0xaf8}, {0xb00, 0xb00},
    {0xb04, 0xb04}, {0xb0d, 0xb0e}, {0xb11, 0xb12}, {0xb29, 0xb29}, {0xb31, 0xb31},
    {0xb34, 0xb34}, {0xb3a, 0xb3b}, {0xb45, 0xb46}, {0xb49, 0xb4a}, {0xb4e, 0xb54},
    {0xb58, 0xb5b}, {0xb5e, 0xb5e}, {0xb64, 0xb65}, {0xb78, 0xb81}, {0xb84, 0xb84},
    {0xb8b, 0xb8d}, {0xb91, 0xb91}, {0xb96, 0xb98}, {0xb9b, 0xb9b}, {0xb9d, 0xb9d},
    {0xba0, 0xba2}, {0xba5, 0xba7}, {0xbab, 0xbad}, {0xbba, 0xbbd}, {0xbc3, 0xbc5},
    {0xbc9, 0xbc9}, {0xbce, 0xbcf}, {0xbd1, 0xbd6}, {0xbd8, 0xbe5}, {0xbfb, 0xbff},
    {0xc0d, 0xc0d}, {0xc11, 0xc11}, {0xc29, 0xc29}, {0xc3a, 0xc3b}, {0xc45, 0xc45},
    {0xc49, 0xc49}, {0xc4e, 0xc54}, {0xc57, 0xc57}, {0xc5b, 0xc5c}, {0xc5e, 0xc5f},
    {0xc64, 0xc65}, {0xc70, 0xc76}, {0xc8d, 0xc8d}, {0xc91, 0xc91}, {0xca9, 0xca9},
    {0xcb4, 0xcb4}, {0xcba, 0xcbb}, {0xcc5, 0xcc5}, {0xcc9, 0xcc9}, {0xcce, 0xcd4},
    {0xcd7, 0xcdc}, {0xcdf, 0xcdf}, {0xce4, 0xce5}, {0xcf0, 0xcf0}, {0xcf3, 0xcff},
    {0xd0d, 0xd0d}, {0xd11, 0xd11}, {0xd45, 0xd45}, {0xd49, 0xd49}, {0xd50, 0xd53},
    {0xd64, 0xd65}, {0xd80, 0xd80}, {0xd84, 0xd84}, {0xd97, 0xd99}, {0xdb2, 0xdb2},
    {0xdbc, 0xdbc}, {0xdbe, 0xdbf}, {0xdc7, 0xdc9}, {0xdcb, 0xdce}, {0xdd5, 0xdd5},
    {0xdd7, 0xdd7}, {0xde0, 0xde5}, {0xdf0, 0xdf1}, {0xdf5, 0xe00}, {0xe3b, 0xe3e},
    {0xe5c, 0xe80}, {0xe83, 0xe83}, {0xe85, 0xe85}, {0xe8b, 0xe8b}, {0xea4, 0xea4},
    {0xea6, 0xea6}, {0xebe, 0xebf}, {0xec5, 0xec5}, {0xec7, 0xec7}, {0xece, 0xecf},
    {0xeda, 0xedb}, {0xee0, 0xeff}, {0xf48, 0xf48}, {0xf6d, 0xf70}, {0xf98, 0xf98},
    {0xfbd, 0xfbd}, {0xfcd, 0xfcd}, {0xfdb, 0xfff}, {0x10c6, 0x10c6}, {0x10c8, 0x10cc},
    {0x10ce, 0x10cf}, {0x1249, 0x1249}, {0x124e, 0x124f}, {0x1257, 0x1257}, {0x1259, 0x1259},
    {0x125e, 0x125f}, {0x1289, 0x1289}, {0x128e, 0x128f}, {0x12b1, 0x12b1}, {0x12b6, 0x12b7},
    {0x12bf, 0x12bf}, {0x12c1, 0x12c1}, {0x12c6, 0x12c7}, {0x12d7, 0x12d7}, {0x1311, 0x1311},
    {0x1316, 0x1317}, {0x135b, 0x135c}, {0x137d, 0x137f}, {0x139a, 0x139f}, {0x13f6, 0x13f7},
    {0x13fe, 0x13ff}, {0x1680, 0x1680}, {0x169d, 0x169f}, {0x16f9, 0x16ff}, {0x1716, 0x171e},
    {0x1737, 0x173f}, {0x1754, 0x175f}, {0x176d, 0x176d}, {0x1771, 0x1771}, {0x1774, 0x177f},
    {0x17de, 0x17df}, {0x17ea, 0x17ef}, {0x17fa, 0x17ff}, {0x180e, 0x180e}, {0x181a, 0x181f},
    {0x1879, 0x187f}, {0x18ab, 0x18af}, {0x18f6, 0x18ff}, {0x191f, 0x191f}, {0x192c, 0x192f},
    {0x193c, 0x193f}, {0x1941, 0x1943}, {0x196e, 0x196f}, {0x1975, 0x197f}, {0x19ac, 0x19af},
    {0x19ca, 0x19cf}, {0x19db, 0x19dd}, {0x1a1c, 0x1a1d}, {0x1a5f, 0x1a5f}, {0x1a7d, 0x1a7e},
    {0x1a8a, 0x1a8f}, {0x1a9a, 0x1a9f}, {0x1aae, 0x1aaf}, {0x1acf, 0x1aff}, {0x1b4d, 0x1b4f},
    {0x1b7f, 0x1b7f}, {0x1bf4, 0x1bfb}, {0x1c38, 0x1c3a}, {0x1c4a, 0x1c4c}, {0x1c89, 0x1c8f},
    {0x1cbb, 0x1cbc}, {0x1cc8, 0x1ccf}, {0x1cfb, 0x1cff}, {0x1f16, 0x1f17}, {0x1f1e, 0x1f1f},
    {0x1f46, 0x1f47}, {0x1f4e, 0x1f4f}, {0x1f58, 0x1f58}, {0x1f5a, 0x1f5a}, {0x1f5c, 0x1f5c},
    {0x1f5e, 0x1f5e}, {0x1f7e, 0x1f7f}, {0x1fb5, 0x1fb5}, {0x1fc5, 0x1fc5}, {0x1fd4, 0x1fd5},
    {0x1fdc, 0x1fdc}, {0x1ff0, 0x1ff1}, {0x1ff5, 0x1ff5}, {0x1fff, 0x200f}, {0x2028, 0x202f},
    {0x205f, 0x206f}, {0x2072, 0x2073}, {0x208f, 0x208f}, {0x209d, 0x209f}, {0x20c1, 0x20cf},
    {0x20f1, 0x20ff}, {0x218c, 0x218f}, {0x2427, 0x243f}, {0x244b, 0x245f}, {0x2b74, 0x2b75},
    {0x2b96, 0x2b96}, {0x2cf4, 0x2cf8}, {0x2d26, 0x2d26}, {0x2d28, 0x2d2c}, {0x2d2e, 0x2d2f},
    {0x2d68, 0x2d6e}, {0x2d71, 0x2d7e}, {0x2d97, 0x2d9f}, {0x2da7, 0x2da7}, {0x2daf, 0x2daf},
    {0x2db7, 0x2db7}, {0x2dbf, 0x2dbf}, {0x2dc7, 0x2dc7}, {0x2dcf, 0x2dcf}, {0x2dd7, 0x2dd7},
    {0x2ddf, 0x2ddf}, {0x2e5e, 0x2e7f}, {0x2e9a, 0x2e9a}, {0x2ef4, 0x2eff}, {0x2fd6, 0x2fef},
    {0x2ffc, 0x3000}, {0x3040, 0x3040}, {0x3097, 0x3098}, {0x3100, 0x3104}, {0x3130, 0x3130},
    {0x318f, 0x318f}, {0x31e4, 0x31ef}, {0x321f, 0x321f}, {0xa48d, 0xa48f}, {0xa4c7, 0xa4cf},
    {0xa62c, 0xa63f}, {0xa6f8, 0xa6ff}, {0xa7cb, 0xa7cf}, {0xa7d2, 0xa7d2}, {0xa7d4, 0xa7d4},
    {0xa7da, 0xa7f1}, {0xa82d, 0xa82f}, {0xa83a, 0xa83f}, {0xa878, 0xa87f}, {0xa8c6, 0xa8cd},
    {0xa8da, 0xa8df}, {0xa954, 0xa95e}, {0xa97d, 0xa97f}, {0xa9ce, 0xa9ce}, {0xa9da, 0xa9dd},
    {0xa9ff, 0xa9ff}, {0xaa37, 0xaa3f}, {0xaa4e, 0xaa4f}, {0xaa5a, 0xaa5b}, {0xaac3, 0xaada},
    {0xaaf7, 0xab00}, {0xab07, 0xab08}, {0xab0f, 0xab10}, {0xab17, 0xab1f}, {0xab27, 0xab27},
    {0xab2f, 0xab2f}, {0xab6c, 0xab6f}, {0xabee, 0xabef}, {0xabfa, 0xabff}, {0xd7a4, 0xd7af},
    {0xd7c7, 0xd7ca}, {0xd7fc, 0xf8ff}, {0xfa6e, 0xfa6f}, {0xfada, 0xfaff}, {0xfb07, 0xfb12},
    {0xfb18, 0xfb1c}, {0xfb37, 0xfb37}, {0xfb3d, 0xfb3d}, {0xfb3f, 0xfb3f}, {0xfb42, 0xfb42},
    {0xfb45, 0xfb45}, {0xfbc3, 0xfbd2}, {0xfd90, 0xfd91}, {0xfdc8, 0xfdce}, {0xfdd0, 0xfdef},
    {0xfe1a, 0xfe1f}, {0xfe53, 0xfe53}, {0xfe67, 0xfe67}, {0xfe6c, 0xfe6f}, {0xfe75, 0xfe75},
    {0xfefd, 0xff00}, {0xffbf, 0xffc1}, {0xffc8, 0xffc9}, {0xffd0, 0xffd1}, {0xffd8, 0xffd9},
    {0xffdd, 0xffdf}, {0xffe7, 0xffe7}, {0xffef, 0xfffb}, {0xfffe, 0xffff}, {0x1000c, 0x1000c},
    {0x10027, 0x10027}, {0x1003b, 0x1003b}, {0x1003e, 0x1003e}, {0x1004e, 0x1004f},
    {0x1005e, 0x1007f}, {0x100fb, 0x100ff}, {0x10103, 0x10106}, {0x10134, 0x10136},
    {0x1018f, 0x1018f}, {0x1019d, 0x1019f}, {0x101a1, 0x101cf}, {0x101fe, 0x1027f},
    {0x1029d, 0x1029f}, {0x102d1, 0x102df}, {0x102fc, 0x102ff}, {0x10324, 0x1032c},
    {0x1034b, 0x1034f}, {0x1037b, 0x1037f}, {0x1039e, 0x1039e}, {0x103c4, 0x103c7},
    {0x103d6, 0x103ff}, {0x1049e, 0x1049f}, {0x104aa, 0x104af}, {0x104d4, 0x104d7},
    {0x104fc, 0x104ff}, {0x10528, 0x1052f}, {0x10564, 0x1056e}, {0x1057b, 0x1057b},
    {0x1058b, 0x1058b}, {0x10593, 0x10593}, {0x10596, 0x10596}, {0x105a2, 0x105a2},
    {0x105b2, 0x105b2}, {0x105ba, 0x105ba}, {0x105bd, 0x105ff}, {0x10737, 0x1073f},
    {0x10756, 0x1075f}, {0x10768, 0x1077f}, {0x10786, 0x10786}, {0x107b1, 0x107b1},
    {0x107bb, 0x107ff}, {0x10806, 0x10807}, {0x10809, 0x10809}, {0x10836, 0x10836},
    {0x10839, 0x1083b}, {0x1083d, 0x1083e}, {0x10856, 0x10856}, {0x1089f, 0x108a6},
    {0x108b0, 0x108df}, {0x108f3, 0x108f3}, {0x108f6, 0x108fa}, {0x1091c, 0x1091e},
    {0x1093a, 0x1093e}, {0x10940, 0x1097f}, {0x109b8, 0x109bb}, {0x109d0, 0x109d1},
    {0x10a04, 0x10a04}, {0x10a07, 0x10a0b}, {0x10a14, 0x10a14}, {0x10a18, 0x10a18},
    {0x10a36, 0x10a37}, {0x10a3b, 0x10a3e}, {0x10a49, 0x10a4f}, {0x10a59, 0x10a5f},
    {0x10aa0, 0x10abf}, {0x10ae7, 0x10aea}, {0x10af7, 0x10aff}, {0x10b36, 0x10b38},
    {0x10b56, 0x10b57}, {0x10b73, 0x10b77}, {0x10b92, 0x10b98}, {0x10b9d, 0x10ba8},
    {0x10bb0, 0x10bff}, {0x10c49, 0x10c7f}, {0x10cb3, 0x10cbf}, {0x10cf3, 0x10cf9},
    {0x10d28, 0x10d2f}, {0x10d3a, 0x10e5f}, {0x10e7f, 0x10e7f}, {0x10eaa, 0x10eaa},
    {0x10eae, 0x10eaf}, {0x10eb2, 0x10eff}, {0x10f28, 0x10f2f}, {0x10f5a, 0x10f6f},
    {0x10f8a, 0x10faf}, {0x10fcc, 0x10fdf}, {0x10ff7, 0x10fff}, {0x1104e, 0x11051},
    {0x11076, 0x1107e}, {0x110bd, 0x110bd}, {0x110c3, 0x110cf}, {0x110e9, 0x110ef},
    {0x110fa, 0x110ff}, {0x11135, 0x11135}, {0x11148, 0x1114f}, {0x11177, 0x1117f},
    {0x111e0, 0x111e0}, {0x111f5, 0x111ff}, {0x11212, 0x11212}, {0x1123f, 0x1127f},
    {0x11287, 0x11287}, {0x11289, 0x11289}, {0x1128e, 0x1128e}, {0x1129e, 0x1129e},
    {0x112aa, 0x112af}, {0x112eb, 0x112ef}, {0x112fa, 0x112ff}, {0x11304, 0x11304},
    {0x1130d, 0x1130e}, {0x11311, 0x11312}, {0x11329, 0x11329}, {0x11331, 0x11331},
    {0x11334, 0x11334}, {0x1133a, 0x1133a}, {0x11345, 0x11346}, {0x11349, 0x1134a},
    {0x1134e, 0x1134f}, {0x11351, 0x11356}, {0x11358, 0x1135c}, {0x11364, 0x11365},
    {0x1136d, 0x1136f}, {0x11375, 0x113ff}, {0x1145c, 0x1145c}, {0x11462, 0x1147f},
    {0x114c8, 0x114cf}, {0x114da, 0x1157f}, {0x115b6, 0x115b7}, {0x115de, 0x115ff},
    {0x11645, 0x1164f}, {0x1165a, 0x1165f}, {0x1166d, 0x1167f}, {0x116ba, 0x116bf},
    {0x116ca, 0x116ff}, {0x1171b, 0x1171c}, {0x1172c, 0x1172f}, {0x11747, 0x117ff},
    {0x1183c, 0x1189f}, {0x118f3, 0x118fe}, {0x11907, 0x11908}, {0x1190a, 0x1190b},
    {0x11914, 0x11914}, {0x11917, 0x11917}, {0x11936, 0x11936}, {0x11939, 0x1193a},
    {0x11947, 0x1194f}, {0x1195a, 0x1199f}, {0x119a8, 0x119a9}, {0x119d8, 0x119d9},
    {0x119e5, 0x119ff}, {0x11a48, 0x11a4f}, {0x11aa3, 0x11aaf}, {0x11af9, 0x11bff},
    {0x11c09, 0x11c09}, {0x11c37, 0x11c37}, {0x11c46, 0x11c4f}, {0x11c6d, 0x11c6f},
    {0x11c90, 0x11c91}, {0x11ca8, 0x11ca8}, {0x11cb7, 0x11cff}, {0x11d07, 0x11d07},
    {0x11d0a, 0x11d0a}, {0x11d37, 0x11d39}, {0x11d3b, 0x11d3b}, {0x11d3e, 0x11d3e},
    {0x11d48, 0x11d4f}, {0x11d5a, 0x11d5f}, {0x11d66, 0x11d66}, {0x11d69, 0x11d69},
    {0x11d8f, 0x11d8f}, {0x11d92, 0x11d92}, {0x11d99, 0x11d9f}, {0x11daa, 0x11edf},
    {0x11ef9, 0x11faf}, {0x11fb1, 0x11fbf}, {0x11ff2, 0x11ffe}, {0x1239a, 0x123ff},
    {0x1246f, 0x1246f}, {0x12475, 0x1247f}, {0x12544, 0x12f8f}, {0x12ff3, 0x12fff},
    {0x1342f, 0x143ff}, {0x14647, 0x167ff}, {0x16a39, 0x16a3f}, {0x16a5f, 0x16a5f},
    {0x16a6a, 0x16a6d}, {0x16abf, 0x16abf}, {0x16aca, 0x16acf}, {0x16aee, 0x16aef},
    {0x16af6, 0x16aff}, {0x16b46, 0x16b4f}, {0x16b5a, 0x16b5a}, {0x16b62, 0x16b62},
    {0x16b78, 0x16b7c}, {0x16b90, 0x16e3f}, {0x16e9b, 0x16eff}, {0x16f4b, 0x16f4e},
    {0x16f88, 0x16f8e}, {0x16fa0, 0x16fdf}, {0x16fe5, 0x16fef}, {0x16ff2, 0x16fff},
    {0x187f8, 0x187ff}, {0x18cd6, 0x18cff}, {0x18d09, 0x1afef}, {0x1aff4, 0x1aff4},
    {0x1affc, 0x1affc}, {0x1afff, 0x1afff}, {0x1b123, 0x1b14f}, {0x1b153, 0x1b163},
    {0x1b168, 0x1b16f}, {0x1b2fc, 0x1bbff}, {0x1bc6b, 0x1bc6f}, {0x1bc7d, 0x1bc7f},
    {0x1bc89, 0x1bc8f}, {0x1bc9a, 0x1bc9b}, {0x1bca0, 0x1ceff}, {0x1cf2e, 0x1cf2f},
    {0x1cf47, 0x1cf4f}, {0x1cfc4, 0x1cfff}, {0x1d0f6, 0x1d0ff}, {0x1d127, 0x1d128},
    {0x1d173, 0x1d17a}, {0x1d1eb, 0x1d1ff}, {0x1d246, 0x1d2df}, {0x1d2f4, 0x1d2ff},
    {0x1d357, 0x1d35f}, {0x1d379, 0x1d3ff}, {0x1d455, 0x1d455}, {0x1d49d, 0x1d49d},
    {0x1d4a0, 0x1d4a1}, {0x1d4a3, 0x1d4a4}, {0x1d4a7, 0x1d4a8}, {0x1d4ad, 0x1d4ad},
    {0x1d4ba, 0x1d4ba}, {0x1d4bc, 0x1d4bc}, {0x1d4c4, 0x1d4c4}, {0x1d506, 0x1d506},
    {0x1d50b, 0x1d50c}, {0x1d515, 0x1d515}, {0x1d51d, 0x1d51d}, {0x1d53a, 0x1d53a},
    {0x1d53f, 0x1d53f}, {0x1d545, 0x1d545}, {0x1d547, 0x1d549}, {0x1d551, 0x1d551},
    {0x1d6a6, 0x1d6a7}, {0x1d7cc, 0x1d7cd}, {0x1da8c, 0x1da9a}, {0x1daa0, 0x1daa0},
    {0x1dab0, 0x1deff}, {0x1df1f, 0x1dfff}, {0x1e007, 0x1e007}, {0x1e019, 0x1e01a},
    {0x1e022, 0x1e022}, {0x1e025, 0x1e025}, {0x1e02b, 0x1e0ff}, {0x1e12d, 0x1e12f},
    {0x1e13e, 0x1e13f}, {0x1e14a, 0x1e14d}, {0x1e150, 0x1e28f}, {0x1e2af, 0x1e2bf},
    {0x1e2fa, 0x1e2fe}, {0x1e300, 0x1e7df}, {0x1e7e7, 0x1e7e7}, {0x1e7ec, 0x1e7ec},
    {0x1e7ef, 0x1e7ef}, {0x1e7ff, 0x1e7ff}, {0x1e8c5, 0x1e8c6}, {0x1e8d7, 0x1e8ff},
    {0x1e94c, 0x1e94f}, {0x1e95a, 0x1e95d}, {0x1e960, 0x1ec70}, {0x1ecb5, 0x1ed00},
    {0x1ed3e, 0x1edff}, {0x1ee04, 0x1ee04}, {0x1ee20, 0x1ee20}, {0x1ee23, 0x1ee23},
    {0x1ee25, 0x1ee26}, {0x1ee28, 0x1ee28}, {0x1ee33, 0x1ee33}, {0x1ee38, 0x1ee38},
    {0x1ee3a, 0x1ee3a}, {0x1ee3c, 0x1ee41}, {0x1ee43, 0x1ee46}, {0x1ee48, 0x1ee48},
    {0x1ee4a, 0x1ee4a}, {0x1ee4c, 0x1ee4c}, {0x1ee50, 0x1ee50}, {0x1ee53, 0x1ee53},
    {0x1ee55, 0x1ee56}, {0x1ee58, 0x1ee58}, {0x1ee5a, 0x1ee5a}, {0x1ee5c, 0x1ee5c},
    {0x1ee5e, 0x1ee5e}, {0x1ee60, 0x1ee60}, {0x1ee63, 0x1ee63}, {0x1ee65, 0x1ee66},
    {0x1ee6b, 0x1ee6b}, {0x1ee73, 0x1ee73}, {0x1ee78, 0x1ee78}, {0x1ee7d, 0x1ee7d},
    {0x1ee7f, 0x1ee7f}, {0x1ee8a, 0x1ee8a}, {0x1ee9c, 0x1eea0}, {0x1eea4, 0x1eea4},
    {0x1eeaa, 0x1eeaa}, {0x1eebc, 0x1eeef}, {0x1eef2, 0x1efff}, {0x1f02c, 0x1f02f},
    {0x1f094, 0x1f09f}, {0x1f0af, 0x1f0b0}, {0x1f0c0, 0x1f0c0}, {0x1f0d0, 0x1f0d0},
    {0x1f0f6, 0x1f0ff}, {0x1f1ae, 0x1f1e5}, {0x1f203, 0x1f20f}, {0x1f23c, 0x1f23f},
    {0x1f249, 0x1f24f}, {0x1f252, 0x1f25f}, {0x1f266, 0x1f2ff}, {0x1f6d8, 0x1f6dc},
    {0x1f6ed, 0x1f6ef}, {0x1f6fd, 0x1f6ff}, {0x1f774, 0x1f77f}, {0x1f7d9, 0x1f7df},
    {0x1f7ec, 0x1f7ef}, {0x1f7f1, 0x1f7ff}, {0x1f80c, 0x1f80f}, {0x1f848, 0x1f84f},
    {0x1f85a, 0x1f85f}, {0x1f888, 0x1f88f}, {0x1f8ae, 0x1f8af}, {0x1f8b2, 0x1f8ff},
    {0x1fa54, 0x1fa5f}, {0x1fa6e, 0x1fa6f}, {0x1fa75, 0x1fa77}, {0x1fa7d, 0x1fa7f},
    {0x1fa87, 0x1fa8f}, {0x1faad, 0x1faaf}, {0x1fabb, 0x1fabf}, {0x1fac6, 0x1facf},
    {0x1fada, 0x1fadf}, {0x1fae8, 0x1faef}, {0x1faf7, 0x1faff}, {0x1fb93, 0x1fb93},
    {0x1fbcb, 0x1fbef}, {0x1fbfa, 0x1ffff}, {0x2a6e0, 0x2a6ff}, {0x2b739, 0x2b73f},
    {0x2b81e, 0x2b81f}, {0x2cea2, 0x2ceaf}, {0x2ebe1, 0x2f7ff}, {0x2fa1e, 0x2ffff},
    {0x3134b, 0xe00ff}, {0xe01f0, 0x10ffff},
};

static bool py_isprintable(uint32_t c)
{
    if (c < 0x80)
        return c >= 0x20 && c < 0x7f;
    size_t lo = 0, hi = sizeof nonprint / sizeof nonprint[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c < nonprint[mid][0])
            hi = mid;
        else if (c > nonprint[mid][1])
            lo = mid + 1;
        else
            return false;
    }
    return true;
}

char *ini_pyrepr(const char *s, size_t len)
{
    /* Python picks double quotes only when the text has ' and no ". */
    bool sq = memchr(s, '\'', len) != NULL, dq = memchr(s, '"', len) != NULL;
    char quote = (sq && !dq) ? '"' : '\'';
    struct buf b;
    buf_init(&b);
    buf_putc(&b, quote);
    size_t i = 0;
    while (i < len) {
        uint32_t c;
        int l = ini_utf8_char(s + i, len - i, &c);
        if (l == 0) { /* undecodable byte: surrogateescape's U+DCxx */
            buf_printf(&b, "\\udc%02x", (unsigned char)s[i]);
            i++;
            continue;
        }
        if (c == (uint32_t)quote || c == '\\') {
            buf_putc(&b, '\\');
            buf_putc(&b, (char)c);
        } else if (c == '\t') {
            buf_puts(&b, "\\t");
        } else if (c == '\n') {
            buf_puts(&b, "\\n");
        } else if (c == '\r') {
            buf_puts(&b, "\\r");
        } else if (py_isprintable(c)) {
            buf_append(&b, s + i, (size_t)l);
        } else if (c <= 0xff) {
            buf_printf(&b, "\\x%02x", (unsigned)c);
        } else if (c <= 0xffff) {
            buf_printf(&b, "\\u%04x", (unsigned)c);
        } else {
            buf_printf(&b, "\\U%08x", (unsigned)c);
        }
        i += (size_t)l;
    }
    buf_putc(&b, quote);
    return buf_take(&b);
}

/* ---- the ini value ----------------------------------------------------- */

void ini_init(struct ini *ini)
{
    memset(ini, 0, sizeof *ini);
}

static void section_free(struct ini_section *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->entries[i].key);
        free(s->entries[i].value);
    }
    free(s->entries);
    free(s->name);
    free(s);
}

void ini_release(struct ini *ini)
{
    for (size_t i = 0; i < ini->n; i++)
        section_free(ini->sections[i]);
    free(ini->sections);
    section_free(ini->defaults);
    for (size_t i = 0; i < ini->nfiles; i++)
        free(ini->files[i]);
    free(ini->files);
    memset(ini, 0, sizeof *ini);
}

struct ini_section *ini_section(const struct ini *ini, const char *name)
{
    for (size_t i = 0; i < ini->n; i++)
        if (strcmp(ini->sections[i]->name, name) == 0)
            return ini->sections[i];
    return NULL;
}

static struct ini_entry *section_find(const struct ini_section *s, const char *key)
{
    if (!s)
        return NULL;
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->entries[i].key, key) == 0)
            return &s->entries[i];
    return NULL;
}

const struct ini_entry *ini_get(const struct ini *ini, const struct ini_section *s,
                                const char *key)
{
    const struct ini_entry *en = section_find(s, key);
    return en ? en : section_find(ini->defaults, key);
}

const char *ini_value(const struct ini *ini, const struct ini_section *s, const char *key)
{
    const struct ini_entry *en = ini_get(ini, s, key);
    return en ? en->value : NULL;
}

/* ---- parsing ----------------------------------------------------------- */

/* A file is parsed into a list of operations first and applied only when the
 * whole file is good, so a failing file leaves ini untouched. */
struct op {
    int line;
    char *name;   /* section header text, or NULL for an option */
    char *key;    /* option key, lower-cased */
    char **parts; /* value lines, joined with '\n' when applied */
    size_t nparts, cap;
};

struct parse {
    struct op *ops;
    size_t n, cap;
    struct buf errs; /* "\n\t[line %2d]: %r" entries */
    int nerrs;
};

static void op_addpart(struct op *o, const char *s, size_t n)
{
    o->parts = xgrow(o->parts, &o->cap, o->nparts + 1, sizeof *o->parts);
    o->parts[o->nparts++] = xstrndup(s, n);
}

static struct op *parse_addop(struct parse *p, int line)
{
    p->ops = xgrow(p->ops, &p->cap, p->n + 1, sizeof *p->ops);
    struct op *o = &p->ops[p->n++];
    memset(o, 0, sizeof *o);
    o->line = line;
    return o;
}

static void parse_release(struct parse *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->ops[i].name);
        free(p->ops[i].key);
        for (size_t j = 0; j < p->ops[i].nparts; j++)
            free(p->ops[i].parts[j]);
        free(p->ops[i].parts);
    }
    free(p->ops);
    buf_release(&p->errs);
}

/* The text of a line as Python's readline() returns it (universal newlines
 * turn \r\n and \r into \n), for repr() in messages. */
static char *line_repr(const char *s, size_t n, bool nl)
{
    char *t = xmalloc(n + 2);
    memcpy(t, s, n);
    if (nl)
        t[n++] = '\n';
    t[n] = '\0';
    char *r = ini_pyrepr(t, n);
    free(t);
    return r;
}

/* Python's str.lower() on a key: ASCII, plus per-code-point lowering of
 * other letters (the Kelvin sign becomes 'k', as in Python). */
static char *lower_key(const char *s, size_t n)
{
    static locale_t uloc;
    static bool tried;
    struct buf b;
    buf_init(&b);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int l = ini_utf8_char(s + i, n - i, &cp);
        if (l == 0) {
            buf_putc(&b, s[i++]);
            continue;
        }
        if (cp < 0x80) {
            buf_putc(&b, (char)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
        } else if (cp == 0x130) { /* 'İ'.lower() is 'i' + combining dot */
            buf_puts(&b, "i\xcc\x87");
        } else {
            if (!tried) {
                tried = true;
                uloc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
            }
            uint32_t lc = uloc ? (uint32_t)towlower_l((wint_t)cp, uloc) : cp;
            if (cp == 0x212a)
                lc = 'k';
            char enc[4];
            int el;
            if (lc < 0x80) {
                enc[0] = (char)lc;
                el = 1;
            } else if (lc < 0x800) {
                enc[0] = (char)(0xc0 | (lc >> 6));
                enc[1] = (char)(0x80 | (lc & 0x3f));
                el = 2;
            } else if (lc < 0x10000) {
                enc[0] = (char)(0xe0 | (lc >> 12));
                enc[1] = (char)(0x80 | ((lc >> 6) & 0x3f));
                enc[2] = (char)(0x80 | (lc & 0x3f));
                el = 3;
            } else {
                enc[0] = (char)(0xf0 | (lc >> 18));
                enc[1] = (char)(0x80 | ((lc >> 12) & 0x3f));
                enc[2] = (char)(0x80 | ((lc >> 6) & 0x3f));
                enc[3] = (char)(0x80 | (lc & 0x3f));
                el = 4;
            }
            buf_append(&b, enc, (size_t)el);
        }
        i += (size_t)l;
    }
    return buf_take(&b);
}

/* Is the code point ending just before s[idx] whitespace? */
static bool prev_isspace(const char *s, size_t idx)
{
    size_t start = idx - 1;
    while (start > 0 && idx - start < 4 && ((unsigned char)s[start] & 0xc0) == 0x80)
        start--;
    uint32_t cp;
    int l = ini_utf8_char(s + start, idx - start, &cp);
    return l > 0 && (size_t)l == idx - start && ini_py_isspace(cp);
}

static const char *find_byte(const char *s, size_t n, size_t from, char c)
{
    if (from >= n)
        return NULL;
    return memchr(s + from, c, n - from);
}

/* Where an inline comment starts, or n. Copies ConfigParser's loop exactly:
 * it advances every prefix one occurrence per round and stops after the
 * first round that finds a qualifying one, so "a;b ;c #d" is cut at " #". */
static size_t inline_comment(const char *s, size_t n)
{
    static const char prefixes[2] = {';', '#'};
    long idx[2] = {-1, -1};
    bool active[2] = {true, true};
    size_t start = n;
    bool found = false;
    while (!found && (active[0] || active[1])) {
        for (int k = 0; k < 2; k++) {
            if (!active[k])
                continue;
            const char *hit = find_byte(s, n, (size_t)(idx[k] + 1), prefixes[k]);
            if (!hit) {
                active[k] = false;
                continue;
            }
            idx[k] = hit - s;
            size_t at = (size_t)idx[k];
            if (at == 0 || prev_isspace(s, at)) {
                found = true;
                if (at < start)
                    start = at;
            }
        }
    }
    return start;
}

/* Number of leading whitespace code points (re's \S search position). */
static size_t indent_of(const char *s, size_t n)
{
    size_t i = 0, count = 0;
    while (i < n) {
        uint32_t cp;
        int l = ini_utf8_char(s + i, n - i, &cp);
        if (l == 0 || !ini_py_isspace(cp))
            break;
        i += (size_t)l;
        count++;
    }
    return count;
}

/* Python reads the file through an 8 KiB-chunk incremental decoder, so a
 * UTF-8 error surfaces when the parser first asks for a line in the failing
 * chunk, with a position relative to that chunk (plus bytes carried over). */
#define PY_CHUNK 8192

struct u8scan {
    bool bad;
    size_t limit; /* bytes decoded before the failing chunk */
    char msg[160];
};

static void u8_error(struct u8scan *u, const unsigned char *p, size_t pos, size_t cnt,
                     const char *why)
{
    u->bad = true;
    if (cnt == 1)
        snprintf(u->msg, sizeof u->msg,
                 "'utf-8' codec can't decode byte 0x%02x in position %zu: %s", p[0], pos,
                 why);
    else
        snprintf(u->msg, sizeof u->msg,
                 "'utf-8' codec can't decode bytes in position %zu-%zu: %s", pos,
                 pos + cnt - 1, why);
}

static void utf8_scan(const unsigned char *p, size_t n, struct u8scan *u)
{
    memset(u, 0, sizeof *u);
    size_t pending = 0; /* undecoded bytes carried into the next chunk */
    for (size_t cstart = 0; cstart < n; cstart += PY_CHUNK) {
        size_t cend = cstart + PY_CHUNK < n ? cstart + PY_CHUNK : n;
        size_t base = cstart - pending;
        size_t q = base;
        pending = 0;
        while (q < cend) {
            unsigned c = p[q];
            if (c < 0x80) {
                q++;
                continue;
            }
            int need;
            unsigned lo = 0x80, hi = 0xbf;
            if (c >= 0xc2 && c <= 0xdf)
                need = 2;
            else if (c >= 0xe0 && c <= 0xef)
                need = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
            else if (c >= 0xf0 && c <= 0xf4)
                need = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
            else {
                u->limit = base;
                u8_error(u, p + q, q - base, 1, "invalid start byte");
                return;
            }
            int i;
            for (i = 1; i < need && q + (size_t)i < cend; i++) {
                unsigned b = p[q + (size_t)i];
                if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xbf)) {
                    u->limit = base;
                    u8_error(u, p + q, q - base, (size_t)i, "invalid continuation byte");
                    return;
                }
            }
            if (i < need) { /* a valid prefix cut by the chunk end */
                pending = cend - q;
                break;
            }
            q += (size_t)need;
        }
    }
    if (pending) { /* the final empty read decodes only the leftovers */
        u->limit = n - pending;
        u8_error(u, p + n - pending, 0, pending, "unexpected end of data");
    }
}

/* Parse one file's text into p. Returns 0, or -1 with e set for errors that
 * stop Python at once (no section header, bad UTF-8). */
static int parse_text(struct parse *p, const char *text, size_t len, const char *name,
                      struct err *e)
{
    struct u8scan u;
    utf8_scan((const unsigned char *)text, len, &u);

    bool have_sect = false;
    struct op *cur = NULL; /* option that continuation lines extend */
    size_t indent_level = 0;
    int lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        size_t ls = pos, le = pos;
        while (le < len && text[le] != '\n' && text[le] != '\r')
            le++;
        bool nl = le < len, lone_cr = false;
        pos = le;
        if (nl) {
            if (text[pos] == '\r' && pos + 1 < len && text[pos + 1] == '\n')
                pos += 2;
            else
                lone_cr = text[pos] == '\r', pos++;
        }
        lineno++;
        if (u.bad && (pos > u.limit || (lone_cr && pos == u.limit)))
            return err_set(e, ERR_CONFIG, "%s", u.msg);

        const char *line = text + ls;
        size_t n = le - ls;
        size_t lead = ini_py_lspace(line, n);
        size_t cstart = inline_comment(line, n);
        bool comment = cstart < n;
        if (lead < n && (line[lead] == '#' || line[lead] == ';'))
            cstart = 0, comment = true;
        size_t vs = ini_py_lspace(line, cstart);
        size_t ve = ini_py_rstrip(line, cstart);
        if (ve <= vs) {
            /* a blank line belongs to the value being read, a comment does not */
            if (!comment && have_sect && cur)
                op_addpart(cur, "", 0);
            continue;
        }
        const char *v = line + vs;
        size_t vn = ve - vs;
        size_t ind = indent_of(line, n);
        if (have_sect && cur && ind > indent_level) {
            op_addpart(cur, v, vn);
            continue;
        }
        indent_level = ind;
        /* "^\[(?P<header>.+)\]": greedy, so up to the last ']' */
        const char *close = NULL;
        if (v[0] == '[')
            for (size_t i = vn; i-- > 2;)
                if (v[i] == ']') {
                    close = v + i;
                    break;
                }
        if (close) {
            struct op *o = parse_addop(p, lineno);
            o->name = xstrndup(v + 1, (size_t)(close - v - 1));
            have_sect = true;
            cur = NULL;
            continue;
        }
        if (!have_sect) {
            char *fr = ini_pyrepr(name, strlen(name));
            char *lr = line_repr(line, n, nl);
            err_set(e, ERR_CONFIG, "File contains no section headers.\nfile: %s, line: %d\n%s",
                    fr, lineno, lr);
            free(fr);
            free(lr);
            return -1;
        }
        size_t d = 0;
        while (d < vn && v[d] != '=' && v[d] != ':')
            d++;
        size_t kn = d < vn ? ini_py_rstrip(v, d) : 0;
        if (d == vn || kn == 0) {
            char *lr = line_repr(line, n, nl);
            buf_printf(&p->errs, "\n\t[line %2d]: %s", lineno, lr);
            free(lr);
            p->nerrs++;
            if (d < vn) /* Python still records the empty key; it ends the value */
                cur = NULL;
            continue;
        }
        struct op *o = parse_addop(p, lineno);
        o->key = lower_key(v, kn);
        size_t val = d + 1;
        val += ini_py_lspace(v + val, vn - val);
        op_addpart(o, v + val, vn - val);
        cur = o;
    }
    return 0;
}

static struct ini_section *section_new(const char *name, const char *file, int line)
{
    struct ini_section *s = xcalloc(1, sizeof *s);
    s->name = xstrdup(name);
    s->file = file;
    s->line = line;
    return s;
}

static char *join_parts(const struct op *o)
{
    size_t np = o->nparts;
    while (np > 1 && o->parts[np - 1][0] == '\0')
        np--; /* ConfigParser rstrip()s the joined value */
    struct buf b;
    buf_init(&b);
    for (size_t i = 0; i < np; i++) {
        if (i)
            buf_putc(&b, '\n');
        buf_puts(&b, o->parts[i]);
    }
    return buf_take(&b);
}

static void apply(struct ini *ini, const struct parse *p, const char *file)
{
    struct ini_section *cur = NULL;
    for (size_t i = 0; i < p->n; i++) {
        const struct op *o = &p->ops[i];
        if (o->name) {
            cur = ini_section(ini, o->name);
            if (cur)
                continue;
            if (strcmp(o->name, "DEFAULT") == 0) {
                if (!ini->defaults)
                    ini->defaults = section_new(o->name, file, o->line);
                cur = ini->defaults;
                continue;
            }
            cur = section_new(o->name, file, o->line);
            ini->sections = xgrow(ini->sections, &ini->cap, ini->n + 1, sizeof *ini->sections);
            ini->sections[ini->n++] = cur;
            continue;
        }
        char *value = join_parts(o);
        struct ini_entry *en = section_find(cur, o->key);
        if (en) {
            free(en->value);
            en->value = value;
            en->prev_file = en->file;
            en->prev_line = en->line;
            en->file = file;
            en->line = o->line;
            continue;
        }
        cur->entries = xgrow(cur->entries, &cur->cap, cur->n + 1, sizeof *cur->entries);
        en = &cur->entries[cur->n++];
        memset(en, 0, sizeof *en);
        en->key = xstrdup(o->key);
        en->value = value;
        en->file = file;
        en->line = o->line;
    }
}

int ini_read_string(struct ini *ini, const char *text, size_t len, const char *name,
                    struct err *e)
{
    ini->files = xgrow(ini->files, &ini->files_cap, ini->nfiles + 1, sizeof *ini->files);
    char *file = ini->files[ini->nfiles++] = xstrdup(name);

    struct parse p;
    memset(&p, 0, sizeof p);
    buf_init(&p.errs);
    int rc = parse_text(&p, text, len, name, e);
    if (rc == 0 && p.nerrs) {
        char *fr = ini_pyrepr(name, strlen(name));
        rc = err_set(e, ERR_CONFIG, "Source contains parsing errors: %s%s", fr, p.errs.data);
        free(fr);
    }
    if (rc == 0)
        apply(ini, &p, file);
    parse_release(&p);
    return rc;
}

int ini_read_file(struct ini *ini, const char *path, struct err *e)
{
    /* Non-blocking and bounded: an include that globs a fifo or /dev/zero
     * must not hang or exhaust the daemon (Python's would). */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return err_set(e, ERR_CONFIG, "could not read config file %s", path);
    struct buf b;
    buf_init(&b);
    char chunk[65536];
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            close(fd);
            buf_release(&b);
            return err_set(e, ERR_CONFIG, "could not read config file %s", path);
        }
        if (r == 0)
            break;
        buf_append(&b, chunk, (size_t)r);
        if (b.len > INI_MAX_FILE) {
            close(fd);
            buf_release(&b);
            return err_set(e, ERR_CONFIG, "could not read config file %s: larger than %d MiB",
                           path, INI_MAX_FILE >> 20);
        }
    }
    close(fd);
    int rc = ini_read_string(ini, b.data, b.len, path, e);
    buf_release(&b);
    return rc;
}
