package dev.switchboard.conversation;

import java.util.Objects;

/** A WhatsApp contact found by one of its ids, with what IdentitySql.UPDATE may change of it. */
record KnownContact(long id, long channelId, String waId, String bsuid, String key, String parent, String username,
                    String name, String phone) {

  /** Whether {@code id} is this contact's phone, BSUID or key. */
  boolean names(String id) {
    return id != null && (id.equals(waId) || id.equals(bsuid) || id.equals(key));
  }

  /** Whether IdentitySql.UPDATE would change this contact for {@code p} (the same rule, read in Java). */
  boolean changedBy(WhatsAppIdentities.Person p) {
    String b = p.bsuid != null ? p.bsuid : bsuid;
    String w = p.phone != null ? p.phone : waId;
    String k = b != null ? b : w != null ? w : key;
    return !Objects.equals(bsuid, b) || !Objects.equals(waId, w) || !Objects.equals(key, k)
        || p.parent != null && !p.parent.equals(parent) || p.username != null && !p.username.equals(username)
        || p.name != null && !p.name.equals(name) || phone == null && p.phone != null;
  }
}
