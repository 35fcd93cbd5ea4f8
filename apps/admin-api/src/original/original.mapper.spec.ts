import { eventJson, originalEventJson } from '@channels/contracts';
import {
  secondEndMs,
  secondStartMs,
  toOriginalChannel,
  toOriginalClient,
  toSeconds,
} from './original.mapper';

describe('original product shapes', () => {
  it('names channel fields as the original documentation does, with createdAt in seconds', () => {
    expect(
      toOriginalChannel({
        appID: '123',
        channelID: '1234',
        name: 'Hi_Channel_One_Im_Dad',
        persistent: true,
        private: true,
        presence: false,
        isClosed: false,
        clientPublish: true,
        joinLeave: true,
        historySize: null,
        historyTTLSeconds: null,
        autoCreated: false,
        extra: 'no extra',
        createdAt: 1_615_734_846_999,
      }),
    ).toEqual({
      id: '1234',
      appID: '123',
      name: 'Hi_Channel_One_Im_Dad',
      createdAt: 1_615_734_846,
      isClosed: false,
      extra: 'no extra',
      isPersistent: true,
      isPrivate: true,
      isPresence: false,
    });
  });

  it('names client fields ID, Username, AppID, Extra', () => {
    expect(
      toOriginalClient({ appID: '123', clientID: '55', username: 'lisomatrix', extra: 'x', createdAt: 1 }),
    ).toEqual({
      ID: '55',
      Username: 'lisomatrix',
      AppID: '123',
      Extra: 'x',
    });
  });

  it('gives events exactly senderID, eventType, payload, channelID and a timestamp in seconds', () => {
    expect(
      JSON.parse(
        originalEventJson(
          eventJson({
            id: 'e1',
            channelID: '123',
            offset: 4,
            epoch: 'ep',
            eventType: 'testing publish type',
            payloadJson: '"can_be_json_or_not"',
            senderID: '123',
            timestamp: 1_615_737_318_500,
          }),
        ),
      ),
    ).toStrictEqual({
      senderID: '123',
      eventType: 'testing publish type',
      payload: 'can_be_json_or_not',
      channelID: '123',
      timestamp: 1_615_737_318,
    });
  });

  it('turns inclusive second bounds into inclusive millisecond bounds', () => {
    expect(secondStartMs(1_615_570_823)).toBe(1_615_570_823_000);
    expect(secondEndMs(1_615_570_823)).toBe(1_615_570_823_999);
    expect(toSeconds(secondEndMs(1_615_570_823))).toBe(1_615_570_823);
  });
});
