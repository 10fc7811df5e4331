/* Fuzz target: arbitrary bytes checked as a plain RTP packet of the UE's
 * media (src/ue-sim/imps-ue-media.c, profile.md §7): the RTP header, the
 * one-byte header extension with the counter and checksum, the G.711 tone.
 *
 * Input: the packet. The seeds in corpus/media-packet/ are packets of the
 * profile (counters 0, 1 and 0xffffffff), so the mutations reach past the
 * framing into the extension, the checksum and the payload.
 *
 * Checked on every input: nothing reads out of bounds (ASan); a packet that
 * passes is exactly the packet the sender writes for its sequence number,
 * timestamp, SSRC and counter (the format leaves no byte free).
 */
#include "imps-ue-media.h"

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  guint8 *copy = g_memdup2 (data, size);
  guint32 counter = 0;
  ImpsUeMediaCheck check = imps_ue_media_packet_check (copy, size, &counter);
  if (check == IMPS_UE_MEDIA_CHECK_OK)
    {
      guint8 again[IMPS_UE_MEDIA_PACKET_LEN];
      if (size != sizeof again)
        abort ();
      guint16 seq = (guint16) (copy[2] << 8 | copy[3]);
      guint32 ts = (guint32) copy[4] << 24 | copy[5] << 16 | copy[6] << 8 | copy[7];
      guint32 ssrc = (guint32) copy[8] << 24 | copy[9] << 16 | copy[10] << 8 | copy[11];
      imps_ue_media_packet_fill (again, seq, ts, ssrc, counter);
      /* the marker bit is the only header bit the check leaves free */
      again[1] |= copy[1] & 0x80;
      if (memcmp (again, copy, sizeof again) != 0)
        abort ();
    }
  else if (check != IMPS_UE_MEDIA_CHECK_MALFORMED && check != IMPS_UE_MEDIA_CHECK_MISMATCH)
    abort ();
  g_free (copy);
  return 0;
}
