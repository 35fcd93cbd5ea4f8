// Generated from optimized.proto by `node scripts/embed-optimized-proto.mjs`: do not edit.
/** The text of optimized.proto, the schema of the `/optimized` wire. */
export const OPTIMIZED_PROTO = `// The original product's realtime wire protocol, served at \`/optimized\`: every WebSocket frame in
// both directions is one binary NewEvent. Field numbers and names are the wire; never renumber.
syntax = "proto3";

message NewEvent {
  enum NewEventType {
    JOIN_CHANNEL = 0;
    LEAVE_CHANNEL = 1;
    NEW_CHANNEL = 2;
    REMOVE_CHANNEL = 3;
    SUBSCRIBE = 4;
    PUBLISH = 5;
    ACK = 6;
    ONLINE_STATUS = 7;
    INITIAL_ONLINE_STATUS = 8;
  }
  NewEventType type = 1;
  // One of the messages below, encoded; for NEW_CHANNEL and REMOVE_CHANNEL the channel id's UTF-8 bytes.
  bytes payload = 2;
}

message SubscribeRequest {
  string channelID = 1;
  uint32 ID = 2;
}

message PublishRequest {
  uint32 ID = 1;
  string eventType = 2;
  string channelID = 3;
  string payload = 4;
}

message PublishAck {
  uint32 replyTo = 1;
  bool status = 2;
}

message ChannelEvent {
  string senderID = 1;
  string eventType = 2;
  string payload = 3;
  string channelID = 4;
  // Unix seconds.
  int64 timestamp = 5;
}

message ClientJoin {
  string channelID = 1;
  string clientID = 2;
}

message ClientLeave {
  string channelID = 1;
  string clientID = 2;
}

message OnlineStatusUpdate {
  string channelID = 1;
  string clientID = 2;
  bool status = 3;
  // Unix seconds.
  int64 timestamp = 4;
}

message ClientStatus {
  bool status = 1;
  // Unix seconds.
  int64 timestamp = 2;
}

message InitialPresenceStatus {
  string channelID = 1;
  map<string, ClientStatus> clientStatus = 2;
}

// Defined by the original, never sent by it nor by this server.
message Envelope {
  bool isMultiple = 1;
  repeated NewEvent events = 2;
}
`;
