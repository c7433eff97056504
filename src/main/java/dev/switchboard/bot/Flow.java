package dev.switchboard.bot;

import java.util.List;

/** A bot flow: when its trigger matches a message of its channel (or any channel, when null), its actions run. */
public record Flow(long id, String name, boolean enabled, Long channelId, Trigger trigger, List<Action> actions, int position) {

  public Flow {
    actions = List.copyOf(actions);
  }

  /** Whether this flow looks at messages of that channel. */
  public boolean covers(long messageChannelId) {
    return channelId == null || channelId == messageChannelId;
  }
}
