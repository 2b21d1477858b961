/** Whether a RowAction renders as an item of the row's dropdown menu or as a plain button. */
import { createContext } from 'svelte';

export const [inRowMenu, setInRowMenu] = createContext<() => boolean>();
