/** Every contact's name, for the pickers (filters, merge): one cached list for every page. */
import { useQuery } from '@tanstack/react-query';
import { contactQueries } from './queries/contacts';

export function useContactNames(o: { enabled?: boolean } = {}) {
  return useQuery({ ...contactQueries.names(), enabled: o.enabled ?? true });
}

/** A "Contact" filter: anyone, or one contact. */
export function ContactSelect({ value, onChange }: { value: string | undefined; onChange: (id: string) => void }) {
  const contacts = useContactNames();
  return (
    <label>
      Contact
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value)}>
        <option value="">Anyone</option>
        {contacts.data?.items.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </select>
    </label>
  );
}
