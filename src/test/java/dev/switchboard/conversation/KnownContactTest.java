package dev.switchboard.conversation;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Java reading of IdentitySql.UPDATE's "would anything change": a batch that says nothing new
 * of a known WhatsApp contact skips the UPDATE, and one that says anything new never does.
 */
class KnownContactTest {

  private static final KnownContact FULL = new KnownContact(1, 7, "14155550100", "US.b1", "US.b1", "US.p1", "dana", "Dana", "+1 415 555 0100");

  private static WhatsAppIdentities.Person person(String phone, String bsuid, String parent, String username, String name) {
    WhatsAppIdentities.Person p = new WhatsAppIdentities.Person(3, 7);
    p.phone = phone;
    p.bsuid = bsuid;
    p.parent = parent;
    p.username = username;
    p.name = name;
    return p;
  }

  @Test
  void theSameDetailsOrNoneChangeNothing() {
    assertThat(FULL.changedBy(person("14155550100", "US.b1", "US.p1", "dana", "Dana"))).isFalse();
    assertThat(FULL.changedBy(person(null, "US.b1", null, null, null))).isFalse();
    assertThat(FULL.changedBy(person("14155550100", null, null, null, "Dana"))).isFalse();
  }

  @Test
  void anythingNewIsAChange() {
    assertThat(FULL.changedBy(person("14155550100", "US.b1", "US.p1", "dana", "Dana W."))).as("name").isTrue();
    assertThat(FULL.changedBy(person(null, "US.b1", null, "dana_w", null))).as("username").isTrue();
    assertThat(FULL.changedBy(person(null, "US.b1", "US.p2", null, null))).as("parent BSUID").isTrue();
    assertThat(FULL.changedBy(person("14155550199", "US.b1", null, null, null))).as("phone (wa_id)").isTrue();
    assertThat(FULL.changedBy(person(null, "US.b2", null, null, null))).as("BSUID, and so the key").isTrue();
  }

  @Test
  void aPhoneOnlyContactLearnsItsBsuidAndKey() {
    KnownContact phoneOnly = new KnownContact(2, 7, "14155550100", null, "14155550100", null, null, "Dana", "+1 415 555 0100");
    assertThat(phoneOnly.changedBy(person("14155550100", null, null, null, "Dana"))).isFalse();
    assertThat(phoneOnly.changedBy(person("14155550100", "US.b1", null, null, "Dana"))).isTrue();
  }

  @Test
  void theAgentsPhoneIsOnlyFilledWhenEmpty() {
    KnownContact noPhone = new KnownContact(3, 7, null, "US.b1", "US.b1", null, null, null, null);
    assertThat(noPhone.changedBy(person(null, "US.b1", null, null, null))).isFalse();
    assertThat(noPhone.changedBy(person("14155550100", "US.b1", null, null, null))).as("wa_id and phone learnt").isTrue();
    KnownContact agentsPhone = new KnownContact(4, 7, "14155550100", "US.b1", "US.b1", null, null, null, "+44 20 7946 0000");
    assertThat(agentsPhone.changedBy(person("14155550100", "US.b1", null, null, null))).as("an agent's phone is kept").isFalse();
  }

  @Test
  void aContactKeyedBeforeWaIdExistedTakesItsIds() {
    KnownContact legacy = new KnownContact(5, 7, null, null, "14155550100", null, null, null, "14155550100");
    assertThat(legacy.changedBy(person("14155550100", null, null, null, null))).as("wa_id filled, key becomes the phone").isTrue();
  }
}
