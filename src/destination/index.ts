/** The destination: one door through which the daemon itself touches it. */
export { DestinationDoor, directoryIdentity, Errno, isOpen, RenameFlag } from './door.js';
export { errnoName } from '../errors.js';
export type { DoorClosed } from './door.js';
