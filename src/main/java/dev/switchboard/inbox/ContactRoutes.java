package dev.switchboard.inbox;

import dev.switchboard.http.Reply;
import dev.switchboard.common.Principal;
import dev.switchboard.common.ApiException;
import dev.switchboard.http.Bodies;
import dev.switchboard.common.Ids;
import dev.switchboard.common.Text;
import dev.switchboard.conversation.ContactService;
import dev.switchboard.common.Phones;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** Contacts: view and edit, refresh the platform name, custom fields, labels, and new WhatsApp contacts. */
public final class ContactRoutes {

  static final int EMAIL_MAX = 254;

  private final ContactService contacts;

  public ContactRoutes(ContactService contacts) {
    this.contacts = contacts;
  }

  public void mount(Router api) {
    api.post("/contacts").handler(this::create);
    api.get("/contacts/:id").handler(this::get);
    api.patch("/contacts/:id").handler(this::patch);
    api.post("/contacts/:id/refresh-name").handler(this::refreshName);
    api.put("/contacts/:id/fields/:name").handler(this::setField);
    api.delete("/contacts/:id/fields/:name").handler(this::deleteField);
    api.post("/contacts/:id/labels").handler(this::addLabel);
    api.delete("/contacts/:id/labels/:name").handler(this::removeLabel);
    api.get("/fields").handler(ctx -> Reply.ok(ctx, contacts.fieldNames(Principal.of(ctx).accountId())));
    api.get("/labels").handler(ctx -> Reply.ok(ctx, contacts.labelNames(Principal.of(ctx).accountId())));
  }

  private void create(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    JsonObject body = Bodies.object(ctx);
    Object rawChannel = body.getValue("channelId");
    if (rawChannel == null) {
      throw ApiException.badRequest("missing_field", "channelId is required");
    }
    long channelId = Ids.parseField(rawChannel instanceof String || rawChannel instanceof Number ? rawChannel : null, "channelId");
    String phone = Bodies.string(body, "phone", true);
    String rawName = Bodies.string(body, "displayName", false);
    String displayName = rawName == null || Text.blank(rawName) ? null : Text.name(rawName, "displayName", Text.NAME_MAX);
    String waId = Phones.withCountryCode(phone);
    if (waId == null) {
      throw ApiException.unprocessable("invalid_phone", Phones.refusal(phone));
    }
    contacts.create(p.accountId(), channelId, waId, displayName).onSuccess(c -> {
      ctx.response().setStatusCode(c.created() ? 201 : 200);
      ctx.json(new JsonObject()
          .put("contact", c.contact())
          .put("conversationId", String.valueOf(c.conversationId()))
          .put("created", c.created()));
    }).onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    Reply.ok(ctx, contacts.get(p.accountId(), contactId(ctx)));
  }

  private void patch(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long id = contactId(ctx);
    JsonObject body = Bodies.object(ctx);
    String rawName = Bodies.string(body, "displayName", false);
    String displayName = rawName == null || Text.blank(rawName) ? null : Text.name(rawName, "displayName", Text.NAME_MAX);
    String email = trimmedOrNull(Bodies.string(body, "email", false));
    String phoneRaw = trimmedOrNull(Bodies.string(body, "phone", false));
    // 254 characters: the longest address SMTP carries (RFC 5321's 256-octet path less its brackets), as for agents
    if (email != null && (email.length() > EMAIL_MAX || !email.matches("[^@\\s]+@[^@\\s]+"))) {
      throw ApiException.unprocessable("invalid_email", "email must be an email address of at most " + EMAIL_MAX + " characters");
    }
    String phone = null;
    if (phoneRaw != null) {
      phone = Phones.withCountryCode(phoneRaw);
      if (phone == null) {
        throw ApiException.unprocessable("invalid_phone", Phones.refusal(phoneRaw));
      }
    }
    Reply.ok(ctx, contacts.patch(p.accountId(), id, new ContactService.Edit(
        body.containsKey("displayName"), displayName, body.containsKey("email"), email, body.containsKey("phone"), phone)));
  }

  private void refreshName(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    Reply.ok(ctx, contacts.refreshName(p.accountId(), contactId(ctx)));
  }

  private void setField(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long id = contactId(ctx);
    String name = name(ctx.pathParam("name"), "field");
    JsonObject body = Bodies.object(ctx);
    String value = Bodies.string(body, "value", false);
    if (value == null) {
      throw ApiException.badRequest("missing_field", "value is required");
    }
    if (value.length() > ContactService.VALUE_MAX) {
      throw ApiException.unprocessable("value_too_long", "value must be at most " + ContactService.VALUE_MAX + " characters");
    }
    Reply.ok(ctx, contacts.setField(p.accountId(), id, name, value));
  }

  private void deleteField(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long id = contactId(ctx);
    Reply.ok(ctx, contacts.deleteField(p.accountId(), id, name(ctx.pathParam("name"), "field")));
  }

  private void addLabel(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long id = contactId(ctx);
    JsonObject body = Bodies.object(ctx);
    String name = name(Bodies.string(body, "name", true), "label");
    // "VIP" and "vip" are one label: the account's first spelling is kept
    Reply.ok(ctx, contacts.canonicalLabel(p.accountId(), name).compose(label -> contacts.addLabel(p.accountId(), id, label)));
  }

  private void removeLabel(RoutingContext ctx) {
    Principal p = Principal.of(ctx);
    long id = contactId(ctx);
    Reply.ok(ctx, contacts.removeLabel(p.accountId(), id, name(ctx.pathParam("name"), "label")));
  }

  private static long contactId(RoutingContext ctx) {
    return Ids.parse(ctx.pathParam("id"), "contact");
  }

  /**
   * Field and label names: normalised and trimmed (Text), case kept, labels at most 64 characters
   * and fields 100, no braces (they delimit placeholders).
   */
  static String name(String raw, String what) {
    String n = Text.name(raw, "a " + what + " name", "label".equals(what) ? Text.LABEL_MAX : ContactService.NAME_MAX);
    if (n.indexOf('{') >= 0 || n.indexOf('}') >= 0) {
      throw ApiException.unprocessable("invalid_name", "a " + what + " name must not contain { or }");
    }
    return n;
  }

  private static String trimmedOrNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
