/** Roles carried in the JWT `Role` claim. `SuperAdmin` is accepted as an alias of `Super_Admin`. */
export const Role = {
  SuperAdmin: 'Super_Admin',
  Admin: 'Admin',
  Client: 'Client',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** The verified identity behind a token, after claim normalisation. */
export interface Principal {
  role: Role;
  clientID: string;
  /** Absent only for a super admin. */
  appID?: string;
}

export const isAdminRole = (role: Role): boolean => role === Role.Admin || role === Role.SuperAdmin;
