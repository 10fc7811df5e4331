/* GBA vectors: every value is copied from the spec digest gba.md at the
 * section named in the row. */
#include "imps-gba-vectors.h"

const ImpsGbaKsNafVector imps_gba_ks_naf_vectors[] = {
  {
    "gba.md §12.2 KDF, KMS NAF (NAF_Id = kms.home1.net || 01 00 00 00 06) [C]",
    "b40ba9a3c58b2a05bbf0d987b21bf8cbf769bcd751044604127672711c6d3441",
    "23553cbe9637a89d218ae64dae47bf35",
    "user1_private@home1.net",
    "kms.home1.net",
    "0100000006",
    "016762612d6d65000623553cbe9637a89d218ae64dae47bf35001075736572315f7072697661746540686f6d65312e6e657400176b6d732e686f6d65312e6e657401000000060012",
    "74eb8672becc0b19eccb86f2780cfb0178097e8873944798ab096d69e7351862",
    "dOuGcr7MCxnsy4byeAz7AXgJfohzlEeYqwltaec1GGI=",
    "33da9b860ab80341fbb6d21bb7a19afe1a2210d1f800e75f05dbb158feeb6a0b",
  },
  {
    "gba.md §12.2 KDF, generic HTTP-digest NAF (NAF_Id = naf.home1.net || 01 00 00 00 02) [C]",
    "b40ba9a3c58b2a05bbf0d987b21bf8cbf769bcd751044604127672711c6d3441",
    "23553cbe9637a89d218ae64dae47bf35",
    "user1_private@home1.net",
    "naf.home1.net",
    "0100000002",
    "016762612d6d65000623553cbe9637a89d218ae64dae47bf35001075736572315f7072697661746540686f6d65312e6e657400176e61662e686f6d65312e6e657401000000020012",
    "d4bcc1d30ed5b3f92db5ced018cb02aa117e8a2cd253235679570a94c5db2428",
    "1LzB0w7Vs/kttc7QGMsCqhF+iizSUyNWeVcKlMXbJCg=",
    "3b13f4b12c238c0e80670a4ba0224393ef822599a4b0d5adb7fa6ac8269eae09",
  },
  {
    "gba.md §12.3 live trace, Ks_NAF for xcap NAF (NAF_Id = FQDN || 01 00 00 00 02) [C]",
    "19b7ce7b4b82d5f6388af03140a0b7d356afd0f354451a02c57a94c2a433b26e",
    "7ef7b889359bd6b4dbdbdec2cd54aba7",
    "123454901000504@ims.mnc045.mcc123.3gppnetwork.org",
    "xcap.ims.mnc045.mcc123.pub.3gppnetwork.org",
    "0100000002",
    NULL,
    "449a0f360cb2b20d845a6200767b7b9ad9cd965bbecb2b94448bf67549725e95",
    "RJoPNgyysg2EWmIAdnt7mtnNllu+yyuURIv2dUlyXpU=",
    NULL,
  },
};
const gsize imps_gba_n_ks_naf_vectors = G_N_ELEMENTS (imps_gba_ks_naf_vectors);

const ImpsGbaKsVector imps_gba_ks_vectors[] = {
  {
    "gba.md §12.2 Ks = CK || IK (35.208 set 1 CK, IK) [C]",
    "b40ba9a3c58b2a05bbf0d987b21bf8cb",
    "f769bcd751044604127672711c6d3441",
    "b40ba9a3c58b2a05bbf0d987b21bf8cbf769bcd751044604127672711c6d3441",
  },
};
const gsize imps_gba_n_ks_vectors = G_N_ELEMENTS (imps_gba_ks_vectors);

const ImpsGbaBtidVector imps_gba_btid_vectors[] = {
  {
    "gba.md §12.2 B-TID [C]",
    "23553cbe9637a89d218ae64dae47bf35",
    "bsf.home1.net",
    "I1U8vpY3qJ0hiuZNrke/NQ==@bsf.home1.net",
  },
  {
    "gba.md §1.2 live trace B-TID [V]",
    "7ef7b889359bd6b4dbdbdec2cd54aba7",
    "bsf.ims.mnc045.mcc123.pub.3gppnetwork.org",
    "fve4iTWb1rTb297CzVSrpw==@bsf.ims.mnc045.mcc123.pub.3gppnetwork.org",
  },
};
const gsize imps_gba_n_btid_vectors = G_N_ELEMENTS (imps_gba_btid_vectors);

const ImpsGbaTmpiVector imps_gba_tmpi_vectors[] = {
  {
    "gba.md §12.2 TMPI (BSF_Id = bsf.home1.net || 01 00 00 01 00) [C]",
    "b40ba9a3c58b2a05bbf0d987b21bf8cbf769bcd751044604127672711c6d3441",
    "23553cbe9637a89d218ae64dae47bf35",
    "user1_private@home1.net",
    "bsf.home1.net",
    "58490a1ad421f139a6a363d4446876bffcbf96c66926ae1abc305c45102b7e80",
    "WEkKGtQh8Tmmo2PURGh2v/y/lsZpJq4a@tmpi.bsf.3gppnetwork.org",
  },
};
const gsize imps_gba_n_tmpi_vectors = G_N_ELEMENTS (imps_gba_tmpi_vectors);

const gchar imps_gba_bootstrapping_info_vector[] =
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
  "<BootstrappingInfo xmlns=\"uri:3gpp-gba\">\n"
  "<btid>I1U8vpY3qJ0hiuZNrke/NQ==@bsf.home1.net</btid>\n"
  "<lifetime>2004-01-08T11:13:17Z</lifetime>\n"
  "</BootstrappingInfo>\n";
