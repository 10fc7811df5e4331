/* Fuzz target for the pcap reader and `impsim decode --pcap`
 * (imps_pcap_decode() and its --only filter; pcapng through libpcap;
 * record bounds, link layers, IPv4/TCP/UDP headers,
 * TCP reassembly, and the HTTP, Diameter, SIP, SDP and MIKEY decoders it
 * hands the bytes to). Never reads out of bounds; either a tree and no
 * error, or no tree and an error of the pcap domain; every kept packet's
 * payload lies inside the capture's bytes (the input, or the classic form
 * of a pcapng); every reassembled byte has a frame. */
#include "imps-pcap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  /* A copy of exactly @size bytes, so ASan sees any read past the end. */
  GBytes *bytes = g_bytes_new (data, size);

  ImpsPcapCapture *c = imps_pcap_capture_parse (bytes, &error);
  if (c == NULL)
    {
      if (error == NULL || error->domain != IMPS_PCAP_ERROR)
        abort ();
      g_clear_error (&error);
    }
  else
    {
      if (error != NULL || c->packets->len + c->n_skipped != c->n_records)
        abort ();
      /* The capture's bytes: the input, or for pcapng its classic form. */
      gsize cap_size = 0;
      const guint8 *base = g_bytes_get_data (c->bytes, &cap_size);
      if (c->bytes != bytes && (size < 4 || memcmp (data, "\x0a\x0d\x0d\x0a", 4) != 0))
        abort ();
      for (guint i = 0; i < c->packets->len; i++)
        {
          const ImpsPcapPacket *p = &g_array_index (c->packets, ImpsPcapPacket, i);
          if (p->payload < base || p->payload + p->len > base + cap_size || p->frame < 1
              || p->frame > c->n_records)
            abort ();
        }
      GPtrArray *streams = imps_pcap_capture_tcp_streams (c);
      for (guint i = 0; i < streams->len; i++)
        {
          const ImpsPcapTcpStream *s = g_ptr_array_index (streams, i);
          if (s->data->len > cap_size)
            abort ();
          if (s->data->len && imps_pcap_tcp_stream_frame_at (s, s->data->len - 1) < s->first_frame)
            abort ();
        }
      g_ptr_array_unref (streams);
      imps_pcap_capture_free (c);
    }

  /* Decoded whole, then through every kind of --only condition. */
  static ImpsPcapFilter *filter;
  if (filter == NULL)
    {
      filter = imps_pcap_filter_new ();
      if (!imps_pcap_filter_add (filter, "proto=sip,sdp,mikey,diameter,http,tcp", NULL)
          || !imps_pcap_filter_add (filter, "addr=127.0.1.40,127.1.1.1", NULL)
          || !imps_pcap_filter_add (filter, "call=1,2,x@127.1.1.1", NULL))
        abort ();
    }
  ImpsMikeyField *filtered = imps_pcap_decode_filtered (bytes, filter, &error);
  if ((filtered == NULL) != (error != NULL))
    abort ();
  if (filtered)
    imps_mikey_field_free (filtered);
  g_clear_error (&error);

  ImpsMikeyField *root = imps_pcap_decode (bytes, &error);
  if ((root == NULL) != (error != NULL))
    abort ();
  if (root)
    {
      gchar *text = imps_mikey_field_to_text (root);
      if (text == NULL)
        abort ();
      g_free (text);
      imps_mikey_field_free (root);
    }
  g_clear_error (&error);
  g_bytes_unref (bytes);
  return 0;
}
