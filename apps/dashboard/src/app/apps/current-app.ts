import { useOutletContext } from 'react-router';
import type { AppWithApiSecret } from '../../api/schema.gen';

/** The app whose page this is (under `AppLayout`). */
export function useCurrentApp(): AppWithApiSecret {
  return useOutletContext<AppWithApiSecret>();
}
