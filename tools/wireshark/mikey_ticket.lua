-- MIKEY-TICKET dissector for Wireshark / tshark 4.0 (Lua 5.2), by impsim.
--
-- Decodes MIKEY (RFC 3830) and MIKEY-TICKET (RFC 6043) messages completely:
-- data types 0-18 (and 26), every payload of mikey-ticket.md §3-4 (KEMAC
-- with its key-data sub-payloads when Encr alg is NULL, PKE, DH, SIGN, T,
-- ID, CERT, CHASH, V, SP, RAND, ERR, TR, IDR, RANDR, TP, TICKET with the
-- MIKEY base ticket's THDR and payload chain, Initiator Data, General
-- Extension with SDP IDs, SAKKE), and the SRTP-ID and GENERIC-ID CS ID maps.
--
-- Wireshark's built-in "mikey" dissector owns the mikey.* field names, so
-- this protocol is "mikeyticket" and its fields copy those names under
-- mikeyticket.* (mikey.type -> mikeyticket.type, mikey.id.role ->
-- mikeyticket.id.role, ...); the RFC 6043 additions are mikeyticket.tr.*,
-- mikeyticket.randr.*, mikeyticket.tp.*, mikeyticket.ticket.*.
-- mikeyticket.payload lists the top-level payload types of a message,
-- mikeyticket.inner the payloads inside TP Data, Ticket Data, Initiator Data
-- and an unencrypted KEMAC.
--
-- It takes over from the built-in dissector where MIKEY is carried:
-- HTTP bodies of Content-Type application/mikey (media_type table),
-- SDP a=key-mgmt:mikey (the SDP dissector decodes the base64 and hands the
-- bytes to the key_mgmt table entry "mikey"; a postdissector decodes the
-- media-level attributes that Wireshark 4.0 leaves as text), and UDP port
-- 2269.
--
-- Malformed input (a length past the end, an unknown payload type or
-- algorithm whose length cannot be known) gives expert info
-- (mikeyticket.malformed, group Malformed) and stops the walk; it never
-- raises a Lua error.
--
-- Use: tshark -X lua_script:tools/wireshark/mikey_ticket.lua -r FILE -O mikeyticket
-- or copy this file to ~/.local/lib/wireshark/plugins/ (see README.md).

local p = Proto("mikeyticket", "MIKEY-TICKET (RFC 3830, RFC 6043)")

-- ---------------------------------------------------------------------
-- Code tables (mikey-ticket.md §3)

local data_types = {
  [0] = "Pre-shared", [1] = "PSK ver msg", [2] = "Public key", [3] = "PK ver msg",
  [4] = "D-H init", [5] = "D-H resp", [6] = "Error", [7] = "DHHMAC init",
  [8] = "DHHMAC resp", [9] = "RSA-R I_MSG", [10] = "RSA-R R_MSG",
  [11] = "REQUEST_INIT_PSK", [12] = "REQUEST_INIT_PK", [13] = "REQUEST_RESP",
  [14] = "TRANSFER_INIT", [15] = "TRANSFER_RESP", [16] = "RESOLVE_INIT_PSK",
  [17] = "RESOLVE_INIT_PK", [18] = "RESOLVE_RESP", [26] = "SAKKE",
  [27] = "CS Id map Update",
}

local payload_names = {
  [0] = "Last payload", [1] = "KEMAC", [2] = "PKE", [3] = "DH", [4] = "SIGN", [5] = "T",
  [6] = "ID", [7] = "CERT", [8] = "CHASH", [9] = "V", [10] = "SP", [11] = "RAND",
  [12] = "ERR", [13] = "TR", [14] = "IDR", [15] = "RANDR", [16] = "TP", [17] = "TICKET",
  [20] = "Key data", [21] = "General Extension", [26] = "SAKKE",
}

local prf_funcs = { [0] = "MIKEY-1", [1] = "PRF-HMAC-SHA-256" }
local map_types = { [0] = "SRTP-ID", [1] = "Empty map", [2] = "GENERIC-ID" }
local encr_algs = { [0] = "NULL", [1] = "AES-CM-128", [2] = "AES-KW-128", [3] = "AES-CM-256" }
local mac_algs = { [0] = "NULL", [1] = "HMAC-SHA-1-160", [2] = "HMAC-SHA-256-256" }
local mac_lens = { [0] = 0, [1] = 20, [2] = 32 }
local key_types = {
  [0] = "TGK", [1] = "TGK+SALT", [2] = "TEK", [3] = "TEK+SALT", [4] = "GTGK",
  [5] = "GTGK+SALT", [6] = "MPK",
}
local kv_types = { [0] = "Null", [1] = "SPI/MKI", [2] = "Interval" }
local ts_types = { [0] = "NTP-UTC", [1] = "NTP", [2] = "COUNTER", [3] = "NTP-UTC-32" }
local ts_lens = { [0] = 8, [1] = 8, [2] = 4, [3] = 4 }
local id_types = { [0] = "NAI", [1] = "URI", [2] = "Byte string" }
local cert_types = { [0] = "X.509v3", [1] = "X.509v3 URL", [2] = "X.509v3 Sign", [3] = "X.509v3 Encr" }
local hash_funcs = { [0] = "SHA-1", [1] = "MD5", [2] = "SHA-256" }
local hash_lens = { [0] = 20, [1] = 16, [2] = 32 }
local err_nos = {
  [0] = "Auth failure", [1] = "Invalid TS", [2] = "Invalid PRF", [3] = "Invalid MAC",
  [4] = "Invalid EA", [5] = "Invalid HA", [6] = "Invalid DH", [7] = "Invalid ID",
  [8] = "Invalid Cert", [9] = "Invalid SP", [10] = "Invalid SPpar", [11] = "Invalid DT",
  [12] = "Unspecified error", [13] = "Unsupported message type", [14] = "Invalid TICKET",
  [15] = "Invalid TPpar",
}
local ts_roles = {
  [1] = "Time of issue (TRi)", [2] = "Start of validity (TRs)", [3] = "End of validity (TRe)",
  [4] = "Rekeying interval (TRr)",
}
local id_roles = {
  [1] = "Initiator (IDRi)", [2] = "Responder (IDRr)", [3] = "KMS (IDRkms)",
  [4] = "Pre-Shared Key (IDRpsk)", [5] = "Application (IDRapp)",
  [6] = "Initiator's KMS (IDRkmsi)", [7] = "Responder's KMS (IDRkmsr)",
}
local rand_roles = { [1] = "Initiator (RANDRi)", [2] = "Responder (RANDRr)", [3] = "KMS (RANDRkms)" }
local ticket_types = { [0] = "Reserved", [1] = "MIKEY base ticket", [2] = "3GPP base ticket" }
local prot_types = { [0] = "SRTP" }
local dh_groups = { [0] = "OAKLEY 5", [1] = "OAKLEY 1", [2] = "OAKLEY 2" }
local dh_lens = { [0] = 192, [1] = 96, [2] = 128 }
local sign_types = { [0] = "RSA/PKCS#1/1.5", [1] = "RSA/PSS", [2] = "ECCSI" }
local pke_cache = { [0] = "No cache", [1] = "Cache", [2] = "Cache for CSB" }
local ext_types = {
  [0] = "Vendor ID", [1] = "SDP IDs", [2] = "TESLA I-Key", [3] = "Key ID", [4] = "CSB_ID",
  [5] = "OMA BCAST",
}
local sp_srtp_params = {
  [0] = "Encryption algorithm", [1] = "Session Encr. key length",
  [2] = "Authentication algorithm", [3] = "Session Auth. key length",
  [4] = "Session Salt key length", [5] = "SRTP Pseudo Random Function",
  [6] = "Key derivation rate", [7] = "SRTP encryption off/on",
  [8] = "SRTCP encryption off/on", [9] = "Sender's FEC order",
  [10] = "SRTP authentication off/on", [11] = "Authentication tag length",
  [12] = "SRTP prefix length", [13] = "ROC transmission rate",
  [14] = "SRTP auth alg", [15] = "SRTCP auth alg", [16] = "SRTP session auth key length",
  [17] = "SRTCP session auth key length", [18] = "SRTP auth tag length",
  [19] = "SRTCP auth tag length", [20] = "AEAD auth tag length",
}

-- ---------------------------------------------------------------------
-- Fields

local F = {}
local function add(key, field) F[key] = field end

-- HDR
add("version", ProtoField.uint8("mikeyticket.version", "Version", base.DEC))
add("type", ProtoField.uint8("mikeyticket.type", "Data Type", base.DEC, data_types))
add("next_payload", ProtoField.uint8("mikeyticket.next_payload", "Next Payload", base.DEC, payload_names))
add("v", ProtoField.bool("mikeyticket.v", "V (response expected)", 8, nil, 0x80))
add("prf_func", ProtoField.uint8("mikeyticket.prf_func", "PRF func", base.DEC, prf_funcs, 0x7f))
add("csb_id", ProtoField.uint32("mikeyticket.csb_id", "CSB ID", base.HEX))
add("cs_count", ProtoField.uint8("mikeyticket.cs_count", "#CS", base.DEC))
add("cs_id_map_type", ProtoField.uint8("mikeyticket.cs_id_map_type", "CS ID map type", base.DEC, map_types))
add("srtp_id", ProtoField.bytes("mikeyticket.srtp_id", "SRTP ID"))
add("srtp_policy", ProtoField.uint8("mikeyticket.srtp_id.policy_no", "Policy No", base.DEC))
add("srtp_ssrc", ProtoField.uint32("mikeyticket.srtp_id.ssrc", "SSRC", base.HEX))
add("srtp_roc", ProtoField.uint32("mikeyticket.srtp_id.roc", "ROC", base.HEX))
add("gen_cs", ProtoField.bytes("mikeyticket.cs", "Crypto session (GENERIC-ID)"))
add("gen_cs_id", ProtoField.uint8("mikeyticket.cs.id", "CS ID", base.DEC))
add("gen_prot", ProtoField.uint8("mikeyticket.cs.prot_type", "Prot type", base.DEC, prot_types))
add("gen_s", ProtoField.bool("mikeyticket.cs.s", "S (ROC and SEQ present)", 8, nil, 0x80))
add("gen_np", ProtoField.uint8("mikeyticket.cs.policy_count", "#P", base.DEC, nil, 0x7f))
add("gen_policy", ProtoField.uint8("mikeyticket.cs.policy_no", "Policy No", base.DEC))
add("gen_sd_len", ProtoField.uint16("mikeyticket.cs.session_data_len", "Session Data Length", base.DEC))
add("gen_sd", ProtoField.bytes("mikeyticket.cs.session_data", "Session Data"))
add("gen_ssrc", ProtoField.uint32("mikeyticket.cs.ssrc", "SSRC", base.HEX))
add("gen_roc", ProtoField.uint32("mikeyticket.cs.roc", "ROC", base.HEX))
add("gen_seq", ProtoField.uint16("mikeyticket.cs.seq", "SEQ", base.DEC))
add("gen_spi_len", ProtoField.uint8("mikeyticket.cs.spi_len", "SPI Length", base.DEC))
add("gen_spi", ProtoField.bytes("mikeyticket.cs.spi", "SPI"))

-- payload headers
add("payload", ProtoField.uint8("mikeyticket.payload", "Payload", base.DEC, payload_names))
add("inner", ProtoField.uint8("mikeyticket.inner", "Inner payload", base.DEC, payload_names))
add("first_type", ProtoField.uint8("mikeyticket.first_payload", "First payload", base.DEC, payload_names))

-- KEMAC and key data
add("kemac_encr_alg", ProtoField.uint8("mikeyticket.kemac.encr_alg", "Encr alg", base.DEC, encr_algs))
add("kemac_encr_data_len", ProtoField.uint16("mikeyticket.kemac.key_data_len", "Key data len", base.DEC))
add("kemac_encr_data", ProtoField.bytes("mikeyticket.kemac.key_data", "Key data"))
add("kemac_mac_alg", ProtoField.uint8("mikeyticket.kemac.mac_alg", "Mac alg", base.DEC, mac_algs))
add("kemac_mac", ProtoField.bytes("mikeyticket.kemac.mac", "MAC"))
add("key_type", ProtoField.uint8("mikeyticket.key.type", "Type", base.DEC, key_types, 0xf0))
add("key_kv", ProtoField.uint8("mikeyticket.key.kv", "KV", base.DEC, kv_types, 0x0f))
add("key_data_len", ProtoField.uint16("mikeyticket.key.data.len", "Key len", base.DEC))
add("key_data", ProtoField.bytes("mikeyticket.key.data", "Key"))
add("key_salt_len", ProtoField.uint16("mikeyticket.key.salt.len", "Salt key len", base.DEC))
add("key_salt", ProtoField.bytes("mikeyticket.key.salt", "Salt key"))
add("key_spi_len", ProtoField.uint8("mikeyticket.key.kv.spi.len", "Valid SPI len", base.DEC))
add("key_spi", ProtoField.bytes("mikeyticket.key.kv.spi", "Valid SPI"))
add("key_vf_len", ProtoField.uint8("mikeyticket.key.kv.from.len", "Valid From len", base.DEC))
add("key_vf", ProtoField.bytes("mikeyticket.key.kv.from", "Valid From"))
add("key_vt_len", ProtoField.uint8("mikeyticket.key.kv.to.len", "Valid To len", base.DEC))
add("key_vt", ProtoField.bytes("mikeyticket.key.kv.to", "Valid To"))

-- PKE, DH, SIGN
add("pke_c", ProtoField.uint16("mikeyticket.pke.c", "C", base.DEC, pke_cache, 0xc000))
add("pke_len", ProtoField.uint16("mikeyticket.pke.len", "Data len", base.DEC, nil, 0x3fff))
add("pke_data", ProtoField.bytes("mikeyticket.pke.data", "Data"))
add("dh_group", ProtoField.uint8("mikeyticket.dh.group", "DH-Group", base.DEC, dh_groups))
add("dh_value", ProtoField.bytes("mikeyticket.dh.value", "DH-Value"))
add("dh_reserv", ProtoField.uint8("mikeyticket.dh.reserv", "Reserv", base.HEX, nil, 0xf0))
add("dh_kv", ProtoField.uint8("mikeyticket.dh.kv", "KV", base.DEC, kv_types, 0x0f))
add("sign_type", ProtoField.uint16("mikeyticket.sign.type", "Signature type", base.DEC, sign_types, 0xf000))
add("sign_len", ProtoField.uint16("mikeyticket.sign.len", "Signature len", base.DEC, nil, 0x0fff))
add("sign_data", ProtoField.bytes("mikeyticket.sign.data", "Signature"))

-- T, TR
add("ts_type", ProtoField.uint8("mikeyticket.t.ts_type", "TS type", base.DEC, ts_types))
add("ts_ntp", ProtoField.bytes("mikeyticket.t.ntp", "NTP timestamp"))
add("ts_value", ProtoField.uint32("mikeyticket.t.value", "TS value", base.DEC))
add("tr_role", ProtoField.uint8("mikeyticket.tr.role", "TS Role", base.DEC, ts_roles))

-- ID, IDR, CERT
add("id_role", ProtoField.uint8("mikeyticket.id.role", "ID Role", base.DEC, id_roles))
add("id_type", ProtoField.uint8("mikeyticket.id.type", "ID type", base.DEC, id_types))
add("id_len", ProtoField.uint16("mikeyticket.id.len", "ID len", base.DEC))
add("id_data", ProtoField.string("mikeyticket.id.data", "ID"))
add("id_bytes", ProtoField.bytes("mikeyticket.id.bytes", "ID (byte string)"))
add("cert_type", ProtoField.uint8("mikeyticket.cert.type", "Certificate type", base.DEC, cert_types))
add("cert_len", ProtoField.uint16("mikeyticket.cert.len", "Certificate len", base.DEC))
add("cert_data", ProtoField.bytes("mikeyticket.cert.data", "Certificate"))

-- CHASH, V, RAND, RANDR, ERR
add("chash_func", ProtoField.uint8("mikeyticket.chash.func", "Hash func", base.DEC, hash_funcs))
add("chash", ProtoField.bytes("mikeyticket.chash.hash", "Hash"))
add("v_auth_alg", ProtoField.uint8("mikeyticket.v.auth_alg", "Auth alg", base.DEC, mac_algs))
add("v_ver_data", ProtoField.bytes("mikeyticket.v.ver_data", "Ver data"))
add("rand_role", ProtoField.uint8("mikeyticket.randr.role", "RAND Role", base.DEC, rand_roles))
add("rand_len", ProtoField.uint8("mikeyticket.rand.len", "RAND len", base.DEC))
add("rand", ProtoField.bytes("mikeyticket.rand.data", "RAND"))
add("err_no", ProtoField.uint8("mikeyticket.err.no", "Error no.", base.DEC, err_nos))
add("err_res", ProtoField.uint16("mikeyticket.err.reserved", "Reserved", base.HEX))

-- SP
add("sp_no", ProtoField.uint8("mikeyticket.sp.no", "Policy No", base.DEC))
add("sp_type", ProtoField.uint8("mikeyticket.sp.type", "Protocol type", base.DEC, prot_types))
add("sp_param_len", ProtoField.uint16("mikeyticket.sp.param_len", "Policy param length", base.DEC))
add("sp_param", ProtoField.bytes("mikeyticket.sp.param", "Policy param"))
add("sp_param_type", ProtoField.uint8("mikeyticket.sp.param.type", "Type", base.DEC, sp_srtp_params))
add("sp_param_len1", ProtoField.uint8("mikeyticket.sp.param.len", "Length", base.DEC))
add("sp_param_value", ProtoField.bytes("mikeyticket.sp.param.value", "Value"))

-- General Extension, SAKKE
add("ext_type", ProtoField.uint8("mikeyticket.ext.type", "Extension type", base.DEC, ext_types))
add("ext_len", ProtoField.uint16("mikeyticket.ext.len", "Length", base.DEC))
add("ext_value", ProtoField.bytes("mikeyticket.ext.value", "Value"))
add("ext_sdp_ids", ProtoField.string("mikeyticket.ext.sdp_ids", "SDP IDs"))
add("sakke_params", ProtoField.uint8("mikeyticket.sakke.params", "SAKKE params", base.DEC))
add("sakke_idscheme", ProtoField.uint8("mikeyticket.sakke.idscheme", "ID scheme", base.DEC))
add("sakke_len", ProtoField.uint16("mikeyticket.sakke.len", "SAKKE data length", base.DEC))
add("sakke_data", ProtoField.bytes("mikeyticket.sakke.data", "SAKKE data"))

-- TP, TICKET (RFC 6043 §6.10)
add("tk_type", ProtoField.uint16("mikeyticket.ticket.type", "Ticket Type", base.DEC, ticket_types))
add("tk_subtype", ProtoField.uint8("mikeyticket.ticket.subtype", "Subtype", base.DEC))
add("tk_version", ProtoField.uint8("mikeyticket.ticket.version", "Version", base.DEC))
add("tk_prf", ProtoField.uint8("mikeyticket.tp.prf_func", "PRF Func", base.DEC, prf_funcs, 0xfe))
add("fl_d", ProtoField.bool("mikeyticket.tp.flag.d", "D: ticket generated by the KMS", 8, nil, 0x01))
add("fl_e", ProtoField.bool("mikeyticket.tp.flag.e", "E: Ticket Resolve mandatory", 8, nil, 0x80))
add("fl_f", ProtoField.bool("mikeyticket.tp.flag.f", "F: TRANSFER_RESP shall be sent", 8, nil, 0x40))
add("fl_g", ProtoField.bool("mikeyticket.tp.flag.g", "G: Responder shall generate RANDRr", 8, nil, 0x20))
add("fl_h", ProtoField.bool("mikeyticket.tp.flag.h", "H: RANDRi used in TGK derivation", 8, nil, 0x10))
add("fl_i", ProtoField.bool("mikeyticket.tp.flag.i", "I: key forking", 8, nil, 0x08))
add("fl_j", ProtoField.bool("mikeyticket.tp.flag.j", "J: ticket may be reused", 8, nil, 0x04))
add("fl_k", ProtoField.bool("mikeyticket.tp.flag.k", "K: KMS changed the desired policy or keys", 8, nil, 0x02))
add("fl_l", ProtoField.bool("mikeyticket.tp.flag.l", "L: Initiator may supply session keys", 8, nil, 0x01))
add("fl_m", ProtoField.bool("mikeyticket.tp.flag.m", "M: Responder may supply session keys", 8, nil, 0x80))
add("fl_n", ProtoField.bool("mikeyticket.tp.flag.n", "N: plain RFC 6043 Initiator can use the ticket", 8, nil, 0x40))
add("fl_o", ProtoField.bool("mikeyticket.tp.flag.o", "O: plain RFC 6043 Responder can process it", 8, nil, 0x20))
add("fl_res", ProtoField.uint8("mikeyticket.tp.flag.reserved", "Reserved", base.HEX, nil, 0x1f))
add("tp_data_len", ProtoField.uint16("mikeyticket.tp.data_len", "TP Data length", base.DEC))
add("tp_data", ProtoField.bytes("mikeyticket.tp.data", "TP Data"))
add("tk_data_len", ProtoField.uint16("mikeyticket.ticket.data_len", "Ticket Data length", base.DEC))
add("tk_data", ProtoField.bytes("mikeyticket.ticket.data", "Ticket Data"))
add("init_data_len", ProtoField.uint16("mikeyticket.ticket.initiator_data_len", "Initiator Data length", base.DEC))
add("init_data", ProtoField.bytes("mikeyticket.ticket.initiator_data", "Initiator Data"))
add("thdr_len", ProtoField.uint16("mikeyticket.thdr.len", "THDR Data length", base.DEC))
add("thdr_data", ProtoField.bytes("mikeyticket.thdr.data", "THDR Data"))
add("trailing", ProtoField.bytes("mikeyticket.trailing", "Bytes after the last payload"))

local fields = {}
for _, f in pairs(F) do fields[#fields + 1] = f end
p.fields = fields

local ef_malformed = ProtoExpert.new("mikeyticket.malformed", "Malformed MIKEY message",
                                     expert.group.MALFORMED, expert.severity.ERROR)
local ef_unknown = ProtoExpert.new("mikeyticket.unknown", "Value this dissector cannot size",
                                   expert.group.UNDECODED, expert.severity.WARN)
local ef_base64 = ProtoExpert.new("mikeyticket.base64", "a=key-mgmt data is not valid base64",
                                  expert.group.MALFORMED, expert.severity.ERROR)
p.experts = { ef_malformed, ef_unknown, ef_base64 }

-- ---------------------------------------------------------------------
-- Walking

-- A malformed message raises this table; dissect() turns it into expert
-- info on the item where it was found.
local Malformed = {}
Malformed.__index = Malformed

local function fail(item, msg, expert_field)
  error(setmetatable({ item = item, msg = msg, ef = expert_field or ef_malformed }, Malformed), 0)
end

-- Checks that @n bytes at @off fit before @limit.
local function need(item, off, n, limit, what)
  if n < 0 or off + n > limit then
    fail(item, string.format("%s: needs %d bytes at offset %d, only %d left", what, n, off,
                             math.max(limit - off, 0)))
  end
end

local function name_of(t, v)
  return t[v] or ("Unknown (" .. v .. ")")
end

local dissect_chain  -- forward

-- Key-data sub-payloads (type 20), one after another.
local function dissect_key_data(tvb, tree, off, limit)
  local nxt = 20
  while nxt ~= 0 do
    if nxt ~= 20 then
      fail(tree, string.format("Key data: next payload %d inside KEMAC at offset %d", nxt, off))
    end
    local start = off
    need(tree, off, 4, limit, "Key data header")
    local item = tree:add(F.inner, tvb(off, 4), 20)
    nxt = tvb(off, 1):uint()
    item:add(F.next_payload, tvb(off, 1))
    local tkv = tvb(off + 1, 1):uint()
    local ktype, kv = bit.rshift(tkv, 4), bit.band(tkv, 0x0f)
    item:add(F.key_type, tvb(off + 1, 1))
    item:add(F.key_kv, tvb(off + 1, 1))
    local klen = tvb(off + 2, 2):uint()
    item:add(F.key_data_len, tvb(off + 2, 2))
    off = off + 4
    need(item, off, klen, limit, "Key data")
    if klen > 0 then item:add(F.key_data, tvb(off, klen)) end
    off = off + klen
    if ktype == 1 or ktype == 3 or ktype == 5 then
      need(item, off, 2, limit, "Salt len")
      local slen = tvb(off, 2):uint()
      item:add(F.key_salt_len, tvb(off, 2))
      off = off + 2
      need(item, off, slen, limit, "Salt data")
      if slen > 0 then item:add(F.key_salt, tvb(off, slen)) end
      off = off + slen
    end
    if kv == 1 then
      need(item, off, 1, limit, "SPI len")
      local l = tvb(off, 1):uint()
      item:add(F.key_spi_len, tvb(off, 1))
      need(item, off + 1, l, limit, "SPI")
      if l > 0 then item:add(F.key_spi, tvb(off + 1, l)) end
      off = off + 1 + l
    elseif kv == 2 then
      need(item, off, 1, limit, "VF len")
      local l = tvb(off, 1):uint()
      item:add(F.key_vf_len, tvb(off, 1))
      need(item, off + 1, l, limit, "Valid From")
      if l > 0 then item:add(F.key_vf, tvb(off + 1, l)) end
      off = off + 1 + l
      need(item, off, 1, limit, "VT len")
      l = tvb(off, 1):uint()
      item:add(F.key_vt_len, tvb(off, 1))
      need(item, off + 1, l, limit, "Valid To")
      if l > 0 then item:add(F.key_vt, tvb(off + 1, l)) end
      off = off + 1 + l
    elseif kv ~= 0 then
      fail(item, string.format("Key data: KV %d unknown at offset %d", kv, start + 1), ef_unknown)
    end
    item:set_len(off - start)
    item:append_text(string.format(": %s, %d-byte key", name_of(key_types, ktype), klen))
  end
  if off ~= limit then
    fail(tree, string.format("KEMAC: %d bytes after the last key data at offset %d", limit - off, off))
  end
end

-- Each payload dissector gets (tvb, item, off, limit, ctx) with @off at
-- the payload's first byte, and returns (next type, offset after it).

local function mac_len(item, alg, off, what)
  local n = mac_lens[alg]
  if n == nil then
    fail(item, string.format("%s: MAC alg %d unknown at offset %d, so its MAC cannot be sized",
                             what, alg, off), ef_unknown)
  end
  return n
end

local pl = {}

pl[1] = function(tvb, item, off, limit, ctx)  -- KEMAC
  need(item, off, 4, limit, "KEMAC")
  local encr = tvb(off + 1, 1):uint()
  local n = tvb(off + 2, 2):uint()
  item:add(F.kemac_encr_alg, tvb(off + 1, 1))
  item:add(F.kemac_encr_data_len, tvb(off + 2, 2))
  need(item, off + 4, n, limit, "KEMAC Encr data")
  if n > 0 then
    local di = item:add(F.kemac_encr_data, tvb(off + 4, n))
    if encr == 0 then
      dissect_key_data(tvb, di, off + 4, off + 4 + n)
    end
  end
  local p2 = off + 4 + n
  need(item, p2, 1, limit, "KEMAC Mac alg")
  local alg = tvb(p2, 1):uint()
  item:add(F.kemac_mac_alg, tvb(p2, 1))
  local ml = mac_len(item, alg, p2, "KEMAC")
  need(item, p2 + 1, ml, limit, "KEMAC MAC")
  if ml > 0 then item:add(F.kemac_mac, tvb(p2 + 1, ml)) end
  item:append_text(string.format(" (%s, %d bytes)", name_of(encr_algs, encr), n))
  return tvb(off, 1):uint(), p2 + 1 + ml
end

pl[2] = function(tvb, item, off, limit, ctx)  -- PKE
  need(item, off, 3, limit, "PKE")
  local n = bit.band(tvb(off + 1, 2):uint(), 0x3fff)
  item:add(F.pke_c, tvb(off + 1, 2))
  item:add(F.pke_len, tvb(off + 1, 2))
  need(item, off + 3, n, limit, "PKE Data")
  if n > 0 then item:add(F.pke_data, tvb(off + 3, n)) end
  return tvb(off, 1):uint(), off + 3 + n
end

pl[3] = function(tvb, item, off, limit, ctx)  -- DH
  need(item, off, 2, limit, "DH")
  local g = tvb(off + 1, 1):uint()
  item:add(F.dh_group, tvb(off + 1, 1))
  local n = dh_lens[g]
  if n == nil then
    fail(item, string.format("DH: group %d unknown at offset %d, so its value cannot be sized",
                             g, off + 1), ef_unknown)
  end
  need(item, off + 2, n + 1, limit, "DH-Value")
  item:add(F.dh_value, tvb(off + 2, n))
  local kvb = tvb(off + 2 + n, 1)
  item:add(F.dh_reserv, kvb)
  item:add(F.dh_kv, kvb)
  local kv = bit.band(kvb:uint(), 0x0f)
  local p2 = off + 3 + n
  if kv == 1 then
    need(item, p2, 1, limit, "SPI len")
    local l = tvb(p2, 1):uint()
    item:add(F.key_spi_len, tvb(p2, 1))
    need(item, p2 + 1, l, limit, "SPI")
    if l > 0 then item:add(F.key_spi, tvb(p2 + 1, l)) end
    p2 = p2 + 1 + l
  elseif kv == 2 then
    for _, w in ipairs({ { F.key_vf_len, F.key_vf, "Valid From" }, { F.key_vt_len, F.key_vt, "Valid To" } }) do
      need(item, p2, 1, limit, w[3] .. " len")
      local l = tvb(p2, 1):uint()
      item:add(w[1], tvb(p2, 1))
      need(item, p2 + 1, l, limit, w[3])
      if l > 0 then item:add(w[2], tvb(p2 + 1, l)) end
      p2 = p2 + 1 + l
    end
  elseif kv ~= 0 then
    fail(item, string.format("DH: KV %d unknown at offset %d", kv, off + 2 + n), ef_unknown)
  end
  return tvb(off, 1):uint(), p2
end

local function dissect_sign(tvb, item, off, limit)
  need(item, off, 2, limit, "SIGN")
  local n = bit.band(tvb(off, 2):uint(), 0x0fff)
  item:add(F.sign_type, tvb(off, 2))
  item:add(F.sign_len, tvb(off, 2))
  need(item, off + 2, n, limit, "Signature")
  if n > 0 then item:add(F.sign_data, tvb(off + 2, n)) end
  return 0, off + 2 + n
end

local function dissect_ts(tvb, item, off, limit, what)
  need(item, off, 1, limit, what .. " TS type")
  local t = tvb(off, 1):uint()
  item:add(F.ts_type, tvb(off, 1))
  local n = ts_lens[t]
  if n == nil then
    fail(item, string.format("%s: TS type %d unknown at offset %d, so its value cannot be sized",
                             what, t, off), ef_unknown)
  end
  need(item, off + 1, n, limit, what .. " TS value")
  if n == 8 then
    item:add(F.ts_ntp, tvb(off + 1, 8))
  else
    item:add(F.ts_value, tvb(off + 1, 4))
  end
  return off + 1 + n
end

pl[5] = function(tvb, item, off, limit, ctx)  -- T
  need(item, off, 1, limit, "T")
  return tvb(off, 1):uint(), dissect_ts(tvb, item, off + 1, limit, "T")
end

pl[13] = function(tvb, item, off, limit, ctx)  -- TR
  need(item, off, 2, limit, "TR")
  item:add(F.tr_role, tvb(off + 1, 1))
  item:append_text(": " .. name_of(ts_roles, tvb(off + 1, 1):uint()))
  return tvb(off, 1):uint(), dissect_ts(tvb, item, off + 2, limit, "TR")
end

local function dissect_id_data(tvb, item, off, n, idtype)
  if n == 0 then return end
  if idtype == 2 then
    item:add(F.id_bytes, tvb(off, n))
  else
    item:add(F.id_data, tvb(off, n))
  end
  local s = tvb(off, n):string()
  item:append_text(": " .. s)
end

pl[6] = function(tvb, item, off, limit, ctx)  -- ID
  need(item, off, 4, limit, "ID")
  local t = tvb(off + 1, 1):uint()
  local n = tvb(off + 2, 2):uint()
  item:add(F.id_type, tvb(off + 1, 1))
  item:add(F.id_len, tvb(off + 2, 2))
  need(item, off + 4, n, limit, "ID data")
  dissect_id_data(tvb, item, off + 4, n, t)
  return tvb(off, 1):uint(), off + 4 + n
end

pl[7] = function(tvb, item, off, limit, ctx)  -- CERT
  need(item, off, 4, limit, "CERT")
  local n = tvb(off + 2, 2):uint()
  item:add(F.cert_type, tvb(off + 1, 1))
  item:add(F.cert_len, tvb(off + 2, 2))
  need(item, off + 4, n, limit, "Certificate")
  if n > 0 then item:add(F.cert_data, tvb(off + 4, n)) end
  return tvb(off, 1):uint(), off + 4 + n
end

pl[8] = function(tvb, item, off, limit, ctx)  -- CHASH
  need(item, off, 2, limit, "CHASH")
  local f = tvb(off + 1, 1):uint()
  item:add(F.chash_func, tvb(off + 1, 1))
  local n = hash_lens[f]
  if n == nil then
    fail(item, string.format("CHASH: hash func %d unknown at offset %d", f, off + 1), ef_unknown)
  end
  need(item, off + 2, n, limit, "CHASH hash")
  item:add(F.chash, tvb(off + 2, n))
  return tvb(off, 1):uint(), off + 2 + n
end

pl[9] = function(tvb, item, off, limit, ctx)  -- V
  need(item, off, 2, limit, "V")
  local alg = tvb(off + 1, 1):uint()
  item:add(F.v_auth_alg, tvb(off + 1, 1))
  local n = mac_len(item, alg, off + 1, "V")
  need(item, off + 2, n, limit, "V Ver data")
  if n > 0 then item:add(F.v_ver_data, tvb(off + 2, n)) end
  item:append_text(" (" .. name_of(mac_algs, alg) .. ")")
  return tvb(off, 1):uint(), off + 2 + n
end

pl[10] = function(tvb, item, off, limit, ctx)  -- SP
  need(item, off, 5, limit, "SP")
  local n = tvb(off + 3, 2):uint()
  local prot = tvb(off + 2, 1):uint()
  item:add(F.sp_no, tvb(off + 1, 1))
  item:add(F.sp_type, tvb(off + 2, 1))
  item:add(F.sp_param_len, tvb(off + 3, 2))
  need(item, off + 5, n, limit, "SP Policy param")
  local q, e = off + 5, off + 5 + n
  while q < e do
    need(item, q, 2, e, "SP parameter")
    local l = tvb(q + 1, 1):uint()
    need(item, q + 2, l, e, "SP parameter value")
    local pi = item:add(F.sp_param, tvb(q, 2 + l))
    pi:add(F.sp_param_type, tvb(q, 1))
    pi:add(F.sp_param_len1, tvb(q + 1, 1))
    if l > 0 then pi:add(F.sp_param_value, tvb(q + 2, l)) end
    if prot == 0 then
      pi:set_text(string.format("%s: %s", name_of(sp_srtp_params, tvb(q, 1):uint()),
                                l > 0 and l <= 4 and tostring(tvb(q + 2, l):uint()) or
                                (l > 0 and tostring(tvb(q + 2, l):bytes()) or "(empty)")))
    end
    q = q + 2 + l
  end
  return tvb(off, 1):uint(), e
end

pl[11] = function(tvb, item, off, limit, ctx)  -- RAND
  need(item, off, 2, limit, "RAND")
  local n = tvb(off + 1, 1):uint()
  item:add(F.rand_len, tvb(off + 1, 1))
  need(item, off + 2, n, limit, "RAND data")
  if n > 0 then item:add(F.rand, tvb(off + 2, n)) end
  return tvb(off, 1):uint(), off + 2 + n
end

pl[12] = function(tvb, item, off, limit, ctx)  -- ERR
  need(item, off, 4, limit, "ERR")
  item:add(F.err_no, tvb(off + 1, 1))
  item:add(F.err_res, tvb(off + 2, 2))
  item:append_text(": " .. name_of(err_nos, tvb(off + 1, 1):uint()))
  return tvb(off, 1):uint(), off + 4
end

pl[14] = function(tvb, item, off, limit, ctx)  -- IDR
  need(item, off, 5, limit, "IDR")
  local role = tvb(off + 1, 1):uint()
  local t = tvb(off + 2, 1):uint()
  local n = tvb(off + 3, 2):uint()
  item:add(F.id_role, tvb(off + 1, 1))
  item:add(F.id_type, tvb(off + 2, 1))
  item:add(F.id_len, tvb(off + 3, 2))
  need(item, off + 5, n, limit, "IDR ID data")
  item:append_text(" " .. name_of(id_roles, role))
  dissect_id_data(tvb, item, off + 5, n, t)
  return tvb(off, 1):uint(), off + 5 + n
end

pl[15] = function(tvb, item, off, limit, ctx)  -- RANDR
  need(item, off, 3, limit, "RANDR")
  local n = tvb(off + 2, 1):uint()
  item:add(F.rand_role, tvb(off + 1, 1))
  item:add(F.rand_len, tvb(off + 2, 1))
  need(item, off + 3, n, limit, "RANDR data")
  if n > 0 then item:add(F.rand, tvb(off + 3, n)) end
  item:append_text(" " .. name_of(rand_roles, tvb(off + 1, 1):uint()))
  return tvb(off, 1):uint(), off + 3 + n
end

-- A "first type" byte then a payload chain filling [off, e).
local function dissect_typed_chain(tvb, tree, off, e, ctx)
  if e == off then return end
  tree:add(F.first_type, tvb(off, 1))
  dissect_chain(tvb, tree, off + 1, e, tvb(off, 1):uint(), ctx, true)
end

local function dissect_tp_ticket(tvb, item, off, limit, ctx, is_ticket)
  local what = is_ticket and "TICKET" or "TP"
  need(item, off, 10, limit, what)
  local ttype = tvb(off + 1, 2):uint()
  item:add(F.tk_type, tvb(off + 1, 2))
  item:add(F.tk_subtype, tvb(off + 3, 1))
  item:add(F.tk_version, tvb(off + 4, 1))
  local b5, b6, b7 = tvb(off + 5, 1), tvb(off + 6, 1), tvb(off + 7, 1)
  item:add(F.tk_prf, b5)
  item:add(F.fl_d, b5)
  for _, f in ipairs({ F.fl_e, F.fl_f, F.fl_g, F.fl_h, F.fl_i, F.fl_j, F.fl_k, F.fl_l }) do
    item:add(f, b6)
  end
  for _, f in ipairs({ F.fl_m, F.fl_n, F.fl_o, F.fl_res }) do
    item:add(f, b7)
  end
  local n = tvb(off + 8, 2):uint()
  item:add(F.tp_data_len, tvb(off + 8, 2))
  need(item, off + 10, n, limit, what .. " TP Data")
  if n > 0 then
    local ti = item:add(F.tp_data, tvb(off + 10, n))
    dissect_typed_chain(tvb, ti, off + 10, off + 10 + n, ctx)
  end
  local q = off + 10 + n
  if not is_ticket then
    return tvb(off, 1):uint(), q
  end
  need(item, q, 2, limit, "Ticket Data length")
  local m = tvb(q, 2):uint()
  item:add(F.tk_data_len, tvb(q, 2))
  need(item, q + 2, m, limit, "Ticket Data")
  if m > 0 then
    local di = item:add(F.tk_data, tvb(q + 2, m))
    if ttype == 1 then
      -- MIKEY base ticket (RFC 6043 App. A): THDR (no type code), then a chain.
      local e = q + 2 + m
      local t0 = q + 2
      need(di, t0, 3, e, "THDR")
      local hl = tvb(t0 + 1, 2):uint()
      need(di, t0 + 3, hl, e, "THDR Data")
      local hi = di:add(p, tvb(t0, 3 + hl), "THDR (Ticket Header)")
      hi:add(F.next_payload, tvb(t0, 1))
      hi:add(F.thdr_len, tvb(t0 + 1, 2))
      if hl > 0 then hi:add(F.thdr_data, tvb(t0 + 3, hl)) end
      dissect_chain(tvb, di, t0 + 3 + hl, e, tvb(t0, 1):uint(), ctx, true)
    end
  end
  q = q + 2 + m
  need(item, q, 2, limit, "Initiator Data length")
  local r = tvb(q, 2):uint()
  item:add(F.init_data_len, tvb(q, 2))
  need(item, q + 2, r, limit, "Initiator Data")
  if r > 0 then
    local ii = item:add(F.init_data, tvb(q + 2, r))
    dissect_typed_chain(tvb, ii, q + 2, q + 2 + r, ctx)
  end
  return tvb(off, 1):uint(), q + 2 + r
end

pl[16] = function(tvb, item, off, limit, ctx) return dissect_tp_ticket(tvb, item, off, limit, ctx, false) end
pl[17] = function(tvb, item, off, limit, ctx) return dissect_tp_ticket(tvb, item, off, limit, ctx, true) end

pl[21] = function(tvb, item, off, limit, ctx)  -- General Extension
  need(item, off, 4, limit, "General Extension")
  local t = tvb(off + 1, 1):uint()
  local n = tvb(off + 2, 2):uint()
  item:add(F.ext_type, tvb(off + 1, 1))
  item:add(F.ext_len, tvb(off + 2, 2))
  need(item, off + 4, n, limit, "General Extension data")
  if n > 0 then
    if t == 1 then
      item:add(F.ext_sdp_ids, tvb(off + 4, n))
      item:append_text(": SDP IDs " .. tvb(off + 4, n):string())
    else
      item:add(F.ext_value, tvb(off + 4, n))
    end
  end
  return tvb(off, 1):uint(), off + 4 + n
end

pl[26] = function(tvb, item, off, limit, ctx)  -- SAKKE (RFC 6509)
  need(item, off, 5, limit, "SAKKE")
  local n = tvb(off + 3, 2):uint()
  item:add(F.sakke_params, tvb(off + 1, 1))
  item:add(F.sakke_idscheme, tvb(off + 2, 1))
  item:add(F.sakke_len, tvb(off + 3, 2))
  need(item, off + 5, n, limit, "SAKKE data")
  if n > 0 then item:add(F.sakke_data, tvb(off + 5, n)) end
  return tvb(off, 1):uint(), off + 5 + n
end

-- Walks payloads from @off (whose type is @ptype) until Last, within
-- @limit. @inner: payloads inside a TP/Ticket/Initiator Data chain.
dissect_chain = function(tvb, tree, off, limit, ptype, ctx, inner)
  local field = inner and F.inner or F.payload
  ctx.depth = (ctx.depth or 0) + 1
  if ctx.depth > 8 then
    fail(tree, string.format("payloads nested deeper than 8 at offset %d", off))
  end
  while ptype ~= 0 do
    if off >= limit then
      fail(tree, string.format("%s payload announced at offset %d, but the %s ends there",
                               name_of(payload_names, ptype), off, inner and "chain" or "message"))
    end
    local item = tree:add(field, tvb(off, 1), ptype)
    item:set_text(name_of(payload_names, ptype) .. " payload")
    local fn = pl[ptype]
    if ptype == 4 then fn = function(t, i, o, l) return dissect_sign(t, i, o, l) end end
    if fn == nil then
      fail(item, string.format("payload type %d unknown at offset %d, so its length cannot be known",
                               ptype, off), ef_unknown)
    end
    if ptype ~= 4 then item:add(F.next_payload, tvb(off, 1)) end
    local nxt, e = fn(tvb, item, off, limit, ctx)
    item:set_len(e - off)
    ctx.count = ctx.count + 1
    off = e
    ptype = nxt
  end
  ctx.depth = ctx.depth - 1
  if inner and off < limit then
    fail(tree, string.format("%d bytes after the last payload of the chain at offset %d",
                             limit - off, off))
  end
  return off
end

local function dissect_hdr(tvb, tree, ctx)
  local limit = tvb:len()
  need(tree, 0, 10, limit, "HDR")
  local h = tree:add(p, tvb(0, 10), "Common Header (HDR)")
  h:add(F.version, tvb(0, 1))
  h:add(F.type, tvb(1, 1))
  h:add(F.next_payload, tvb(2, 1))
  h:add(F.v, tvb(3, 1))
  h:add(F.prf_func, tvb(3, 1))
  h:add(F.csb_id, tvb(4, 4))
  h:add(F.cs_count, tvb(8, 1))
  h:add(F.cs_id_map_type, tvb(9, 1))
  local ncs, map = tvb(8, 1):uint(), tvb(9, 1):uint()
  local off = 10
  if map == 0 then
    for i = 1, ncs do
      need(h, off, 9, limit, "SRTP-ID map entry " .. i)
      local s = h:add(F.srtp_id, tvb(off, 9))
      s:add(F.srtp_policy, tvb(off, 1))
      s:add(F.srtp_ssrc, tvb(off + 1, 4))
      s:add(F.srtp_roc, tvb(off + 5, 4))
      off = off + 9
    end
  elseif map == 2 then
    for i = 1, ncs do
      local start = off
      need(h, off, 3, limit, "GENERIC-ID map entry " .. i)
      local s = h:add(F.gen_cs, tvb(off, 3))
      s:add(F.gen_cs_id, tvb(off, 1))
      s:add(F.gen_prot, tvb(off + 1, 1))
      s:add(F.gen_s, tvb(off + 2, 1))
      s:add(F.gen_np, tvb(off + 2, 1))
      local sflag = bit.band(tvb(off + 2, 1):uint(), 0x80) ~= 0
      local np = bit.band(tvb(off + 2, 1):uint(), 0x7f)
      off = off + 3
      need(s, off, np, limit, "GENERIC-ID policy list")
      for j = 0, np - 1 do s:add(F.gen_policy, tvb(off + j, 1)) end
      off = off + np
      need(s, off, 2, limit, "Session Data Length")
      local sdl = tvb(off, 2):uint()
      s:add(F.gen_sd_len, tvb(off, 2))
      off = off + 2
      need(s, off, sdl, limit, "Session Data")
      if sdl > 0 then
        local sd = s:add(F.gen_sd, tvb(off, sdl))
        if sdl >= 4 then sd:add(F.gen_ssrc, tvb(off, 4)) end
        if sflag and sdl >= 10 then
          sd:add(F.gen_roc, tvb(off + 4, 4))
          sd:add(F.gen_seq, tvb(off + 8, 2))
        end
      end
      off = off + sdl
      need(s, off, 1, limit, "SPI Length")
      local sl = tvb(off, 1):uint()
      s:add(F.gen_spi_len, tvb(off, 1))
      need(s, off + 1, sl, limit, "SPI")
      if sl > 0 then s:add(F.gen_spi, tvb(off + 1, sl)) end
      off = off + 1 + sl
      s:set_len(off - start)
      s:set_text(string.format("Crypto session %d", tvb(start, 1):uint()))
    end
  elseif map ~= 1 then
    fail(h, string.format("CS ID map type %d unknown at offset 9, so the map cannot be sized", map),
         ef_unknown)
  end
  h:set_len(off)
  return off, tvb(2, 1):uint()
end

local function dissect_message(tvb, pinfo, tree, label)
  local len = tvb:len()
  if len == 0 then return 0 end
  local root = tree:add(p, tvb(), label or "MIKEY-TICKET")
  local ctx = { count = 0, depth = 0 }
  local ok, err = pcall(function()
    if len >= 2 then
      local dt = tvb(1, 1):uint()
      root:append_text(": " .. name_of(data_types, dt))
      pinfo.cols.info:append(" MIKEY " .. name_of(data_types, dt))
    end
    local off, first = dissect_hdr(tvb, root, ctx)
    off = dissect_chain(tvb, root, off, len, first, ctx, false)
    if off < len then
      root:add(F.trailing, tvb(off, len - off))
      fail(root, string.format("%d bytes after the last payload at offset %d", len - off, off))
    end
  end)
  if not ok then
    if getmetatable(err) == Malformed then
      err.item:add_proto_expert_info(err.ef, err.msg)
    else
      root:add_proto_expert_info(ef_malformed, "dissector error: " .. tostring(err))
    end
  end
  pinfo.cols.protocol:set("MIKEY-TICKET")
  return len
end

function p.dissector(tvb, pinfo, tree)
  return dissect_message(tvb, pinfo, tree)
end

-- ---------------------------------------------------------------------
-- SDP a=key-mgmt:mikey at media level. Wireshark 4.0's SDP dissector hands
-- only some key-mgmt attributes to the key_mgmt table (session level);
-- at media level (where profile §3 puts it) it shows the text. This
-- postdissector decodes the base64 of every media-level
-- "a=key-mgmt:mikey <data>" itself (RFC 4567 §3.1) and dissects it.

local f_media_attr = Field.new("sdp.media_attr")
local post = Proto("mikeyticket_sdp", "MIKEY-TICKET in SDP a=key-mgmt")

function post.dissector(tvb, pinfo, tree)
  local attrs = { f_media_attr() }
  local n = 0
  for _, a in ipairs(attrs) do
    local v = a.value
    local data = type(v) == "string" and v:match("^key%-mgmt:%s*mikey%s+([%w%+/=]+)%s*$")
    if data then
      n = n + 1
      local ok, ba = pcall(function() return ByteArray.new(data, true):base64_decode() end)
      if ok and ba and ba:len() > 0 then
        local mt = ba:tvb(string.format("a=key-mgmt MIKEY %d", n))
        dissect_message(mt, pinfo, tree, "MIKEY-TICKET (SDP a=key-mgmt, media level)")
      else
        local item = tree:add(p, tvb(0, 0), "MIKEY-TICKET (SDP a=key-mgmt)")
        item:add_proto_expert_info(ef_base64, "a=key-mgmt:mikey data is not valid base64")
      end
    end
  end
end

register_postdissector(post)

-- ---------------------------------------------------------------------
-- Registration: take over where the built-in mikey dissector sits.

local function register(table_name, key)
  local ok, t = pcall(DissectorTable.get, table_name)
  if ok and t then t:add(key, p) end
end

register("media_type", "application/mikey")
register("key_mgmt", "mikey")
register("udp.port", 2269)
