import type { Database } from '../db/types.ts';

/**
 * The voice models the gateway created on a vendor, remembered per user and reference
 * audio (its SHA-256), so cloning the same voice again reuses the model instead of
 * creating another one (table `audio_voice_clones`, migration 12).
 */
export class VoiceClones {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async find(userId: string, provider: string, referenceSha256: string): Promise<string | undefined> {
    const row = await this.#db.get<{ voice_id: string }>(
      'SELECT voice_id FROM audio_voice_clones WHERE user_id = ? AND provider = ? AND reference_sha256 = ?',
      [userId, provider, referenceSha256],
    );
    return row?.voice_id;
  }

  /** Keeps `voiceId` unless a concurrent request stored one first; returns the one kept. */
  async remember(
    userId: string,
    provider: string,
    referenceSha256: string,
    voiceId: string,
  ): Promise<string> {
    await this.#db.run(
      `INSERT INTO audio_voice_clones (user_id, provider, reference_sha256, voice_id, created_at)
       VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, provider, reference_sha256) DO NOTHING`,
      [userId, provider, referenceSha256, voiceId, Date.now()],
    );
    return (await this.find(userId, provider, referenceSha256)) ?? voiceId;
  }

  /** Forgets a model the vendor no longer knows (deleted on its side). */
  async forget(userId: string, provider: string, voiceId: string): Promise<void> {
    await this.#db.run('DELETE FROM audio_voice_clones WHERE user_id = ? AND provider = ? AND voice_id = ?', [
      userId,
      provider,
      voiceId,
    ]);
  }
}
