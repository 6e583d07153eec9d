import type { Database } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import { newId } from '../ids.ts';
import { checkPasswordStrength, hashPassword } from './passwords.ts';

export interface User {
  id: string;
  email: string;
  plan: string;
  rate_limit_rpm: number | null;
  balance_micro: number;
  held_micro: number;
  created_at: number;
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function createUser(
  db: Database,
  input: { email: string; plan?: string; password?: string },
): Promise<User> {
  if (input.password !== undefined) checkPasswordStrength(input.password);
  const email = input.email.trim().toLowerCase();
  if (!emailPattern.test(email)) {
    throw new GatewayError('invalid_request', { message: `Not a valid email address: ${input.email}` });
  }
  if (await findUserByEmail(db, email)) {
    throw new GatewayError('invalid_request', { message: `A user with email ${email} already exists.` });
  }
  const user: User = {
    id: newId('usr'),
    email,
    plan: input.plan ?? 'default',
    rate_limit_rpm: null,
    balance_micro: 0,
    held_micro: 0,
    created_at: Date.now(),
  };
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
  await db.run('INSERT INTO users (id, email, plan, created_at, password_hash) VALUES (?, ?, ?, ?, ?)', [
    user.id,
    user.email,
    user.plan,
    user.created_at,
    passwordHash,
  ]);
  return user;
}

const userColumns = 'id, email, plan, rate_limit_rpm, balance_micro, held_micro, created_at';

export function findUserByEmail(db: Database, email: string): Promise<User | undefined> {
  return db.get<User>(`SELECT ${userColumns} FROM users WHERE email = ?`, [email.trim().toLowerCase()]);
}

export function findUser(db: Database, id: string): Promise<User | undefined> {
  return db.get<User>(`SELECT ${userColumns} FROM users WHERE id = ?`, [id]);
}

/** Accepts a user id or an email; throws a clear error when neither matches. */
export async function requireUser(db: Database, idOrEmail: string): Promise<User> {
  const user = idOrEmail.includes('@') ? await findUserByEmail(db, idOrEmail) : await findUser(db, idOrEmail);
  if (!user) throw new GatewayError('not_found', { message: `No such user: ${idOrEmail}` });
  return user;
}

export async function setUserRateLimit(db: Database, userId: string, rpm: number | null): Promise<void> {
  await db.run('UPDATE users SET rate_limit_rpm = ? WHERE id = ?', [rpm, userId]);
}

export async function setUserPlan(db: Database, userId: string, plan: string): Promise<void> {
  await db.run('UPDATE users SET plan = ? WHERE id = ?', [plan, userId]);
}

export function listUsers(db: Database): Promise<User[]> {
  return db.all<User>(`SELECT ${userColumns} FROM users ORDER BY created_at`);
}
