package dev.switchboard.channel.whatsapp;

import dev.switchboard.channel.Json;
import dev.switchboard.channel.PlatformEvent;
import dev.switchboard.channel.WebhookParseException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Who a WhatsApp customer is, as a webhook tells it: the sender of a message (phone and/or
 * BSUID, completed from the {@code contacts[]} entry), and what moves or links an identity (a
 * changed number or user id, a contact-request answer, a status naming phone and BSUID at once).
 */
final class WhatsAppIdentityParts {

  private WhatsAppIdentityParts() {
  }

  /** The customer of a message: phone and/or BSUID, with the matching {@code contacts[]} entry's details. */
  static PlatformEvent.WaIdentity identity(JsonObject m, List<JsonObject> contacts, String[] name) {
    String phone = Json.str(m, "from");
    String bsuid = Json.str(m, "from_user_id");
    String parent = Json.str(m, "from_parent_user_id");
    if (phone != null && phone.isEmpty()) {
      phone = null;
    }
    if (bsuid != null && bsuid.isEmpty()) {
      bsuid = null;
    }
    if (phone != null && !WaIds.isPhone(phone)) {
      throw new WebhookParseException("message 'from' is not a WhatsApp phone number");
    }
    if (bsuid != null && !WaIds.isBsuid(bsuid)) {
      throw new WebhookParseException("message 'from_user_id' is not a business-scoped user id");
    }
    String username = null;
    for (JsonObject c : contacts) {
      String waId = Json.str(c, "wa_id");
      String userId = Json.str(c, "user_id");
      boolean same = (phone != null && phone.equals(waId)) || (bsuid != null && bsuid.equals(userId))
          || (contacts.size() == 1 && waId == null && userId == null);
      if (!same) {
        continue;
      }
      JsonObject profile = c.getValue("profile") instanceof JsonObject p ? p : null;
      String n = profile == null || !(profile.getValue("name") instanceof String s) ? null : s;
      if (n != null && !n.isBlank()) {
        name[0] = n;
      }
      username = profile == null || !(profile.getValue("username") instanceof String s) ? null : WaIds.username(s);
      if (phone == null && WaIds.isPhone(waId)) {
        phone = waId;
      }
      if (bsuid == null && WaIds.isBsuid(userId)) {
        bsuid = userId;
      }
      if (parent == null && c.getValue("parent_user_id") instanceof String p) {
        parent = p;
      }
    }
    if (phone == null && bsuid == null) {
      throw new WebhookParseException("message has neither 'from' nor 'from_user_id'");
    }
    return new PlatformEvent.WaIdentity(phone, bsuid, WaIds.isBsuid(parent) ? parent : null, username);
  }

  /**
   * What a message says about its sender's identity beyond the message itself: a system message
   * ({@code user_changed_number}, {@code user_changed_user_id}) moves the contact; the answer to
   * a contact-info request ({@code contacts[].origin: contact_request}) gives its phone.
   */
  static PlatformEvent.IdentityChange identityChange(JsonObject m, PlatformEvent.WaIdentity who) {
    String type = Json.str(m, "type");
    if ("system".equals(type)) {
      JsonObject system = Json.obj(m, "system");
      String kind = Json.str(system, "type");
      String previousBsuid = Json.str(system, "previous_user_id");
      String oldBsuid = WaIds.isBsuid(previousBsuid) ? previousBsuid : who.bsuid();
      String newBsuid = Json.str(system, "user_id");
      String parent = Json.str(system, "parent_user_id");
      if ("user_changed_number".equals(kind) || "customer_changed_number".equals(kind)) {
        String newPhone = Json.str(system, "wa_id");
        if (newPhone == null) {
          newPhone = Json.str(system, "new_wa_id");
        }
        if (!WaIds.isPhone(newPhone)) {
          return null;
        }
        return new PlatformEvent.IdentityChange(oldBsuid, who.phone(), WaIds.isBsuid(newBsuid) ? newBsuid : null, newPhone,
            WaIds.isBsuid(parent) ? parent : null);
      }
      if ("user_changed_user_id".equals(kind) && WaIds.isBsuid(newBsuid)) {
        return new PlatformEvent.IdentityChange(oldBsuid, who.phone(), newBsuid, null, WaIds.isBsuid(parent) ? parent : null);
      }
      return null;
    }
    if ("contacts".equals(type)) {
      JsonArray shared = Json.arr(m, "contacts");
      for (int i = 0; i < shared.size(); i++) {
        if (shared.getValue(i) instanceof JsonObject c && "contact_request".equals(Json.str(c, "origin"))) {
          String phone = sharedPhone(c);
          return phone == null ? null : new PlatformEvent.IdentityChange(who.bsuid(), who.phone(), null, phone, null);
        }
      }
    }
    return null;
  }

  /** The WhatsApp number of a shared contact card: its {@code wa_id}, else its phone's digits. */
  private static String sharedPhone(JsonObject card) {
    JsonArray phones = Json.arr(card, "phones");
    for (int i = 0; i < phones.size(); i++) {
      if (phones.getValue(i) instanceof JsonObject p) {
        String waId = Json.str(p, "wa_id");
        if (WaIds.isPhone(waId)) {
          return waId;
        }
        String digits = dev.switchboard.common.Phones.normalize(Json.str(p, "phone"));
        if (digits != null) {
          return digits;
        }
      }
    }
    return null;
  }

  /** A status naming its recipient by phone and BSUID at once links the two (no contact is created for it). */
  static PlatformEvent.IdentityChange recipientLink(JsonObject s) {
    String phone = Json.str(s, "recipient_id");
    String bsuid = Json.str(s, "recipient_user_id");
    String parent = Json.str(s, "recipient_parent_user_id");
    if (parent == null) {
      parent = Json.str(s, "parent_recipient_user_id");
    }
    if (!WaIds.isPhone(phone) || !WaIds.isBsuid(bsuid)) {
      return null;
    }
    return new PlatformEvent.IdentityChange(null, null, bsuid, phone, WaIds.isBsuid(parent) ? parent : null);
  }

}
